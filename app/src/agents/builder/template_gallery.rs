//! The template gallery on `/agents/new`: the built-in templates as cards. Each card is a
//! link (`?template=…`), so picking one works without JavaScript too.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::spec::{SpecBody, TEMPLATES, parse_spec};

#[component]
pub fn TemplateGallery(#[prop(into)] selected: Signal<String>) -> impl IntoView {
    let cards = TEMPLATES
        .iter()
        .filter_map(|template| {
            let spec = parse_spec(template.yaml).ok()?;
            let detail = match &spec.body {
                SpecBody::Agent(agent) if agent.tools.is_empty() => "Agent · no tools".to_string(),
                SpecBody::Agent(agent) => {
                    let names: Vec<&str> = agent.tools.iter().map(|t| t.name()).collect();
                    format!("Agent · {}", names.join(", "))
                }
                SpecBody::Workflow(workflow) => {
                    format!("Workflow · {} nodes", workflow.nodes.len())
                }
            };
            let slug = template.slug;
            Some(view! {
                <li>
                    <A href=format!("/agents/new?template={slug}")
                        attr:aria-current=move || (selected.get() == slug).then_some("true")
                        attr:class="block h-full rounded-lg border border-slate-200 bg-white p-3 hover:border-indigo-400 aria-[current=true]:border-indigo-500 aria-[current=true]:ring-2 aria-[current=true]:ring-indigo-200 dark:border-slate-800 dark:bg-slate-900 dark:aria-[current=true]:ring-indigo-900">
                        <span class="block text-sm font-medium">{spec.name.clone()}</span>
                        <span class="mt-1 block text-xs text-slate-600 line-clamp-2 dark:text-slate-400">{spec.description.clone()}</span>
                        <span class="mt-2 block text-xs text-slate-500">{detail}</span>
                    </A>
                </li>
            })
        })
        .collect_view();
    view! {
        <section aria-labelledby="templates-title" class="mb-6">
            <h2 id="templates-title" class="mb-2 text-sm font-semibold">"Start from a template"</h2>
            <ul class="grid gap-3 sm:grid-cols-2 lg:grid-cols-5" data-testid="templates">{cards}</ul>
        </section>
    }
}
