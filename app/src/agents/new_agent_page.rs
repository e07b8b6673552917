//! `/agents/new`: pick a template or start blank, build the spec in the form or as YAML
//! with live validation, and save it as a new agent.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::builder::TemplateGallery;
use super::spec_editor::{Saves, SpecEditor, knowledge_choices};
use crate::components::PageHeader;
use crate::spec::{TEMPLATES, Template};

#[component]
pub fn NewAgentPage() -> impl IntoView {
    let slug = use_query_map()
        .read_untracked()
        .get("template")
        .unwrap_or_else(|| "blank".into());
    let yaml = Template::by_slug(&slug)
        .unwrap_or(&TEMPLATES[0])
        .yaml
        .to_string();
    let choices = Resource::new(|| (), |()| knowledge_choices());
    view! {
        <PageHeader title="New agent" subtitle="Build it in the form or write the YAML; errors show as you type. Ctrl/Cmd+S saves version 1." />
        // Each card is a link: picking one loads the page with that template.
        <TemplateGallery selected=slug />
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the editor…"</p> }>
            {move || {
                let yaml = yaml.clone();
                Suspend::new(async move {
                    match choices.await {
                        Ok(knowledge) => view! { <SpecEditor saves=Saves::NewAgent yaml knowledge /> }.into_any(),
                        Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
