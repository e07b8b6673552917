//! `/agents/new`: pick a template or start blank, build the spec in the form or as YAML
//! with live validation, and save it as a new agent.

use leptos::form::ActionForm;
use leptos::html::Form;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::CreateAgent;
use super::builder::{Builder, SpecBuilder, TemplateGallery};
use super::shortcut::submit_on_shortcut;
use crate::components::PageHeader;
use crate::spec::{TEMPLATES, Template};

#[component]
pub fn NewAgentPage() -> impl IntoView {
    let create = ServerAction::<CreateAgent>::new();
    let query = use_query_map();
    let slug = Memo::new(move |_| {
        query
            .read()
            .get("template")
            .unwrap_or_else(|| "blank".into())
    });
    let yaml_of = |slug: &str| Template::by_slug(slug).unwrap_or(&TEMPLATES[0]).yaml;
    let builder = Builder::new(yaml_of(&slug.get_untracked()).to_string());
    // Picking another template (a link, so it also works without JavaScript) loads it.
    Effect::watch(
        move || slug.get(),
        move |slug, _, _| builder.load(yaml_of(slug)),
        false,
    );
    let form = NodeRef::<Form>::new();
    let server_error = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <PageHeader title="New agent" subtitle="Build it in the form or write the YAML; errors show as you type. Ctrl/Cmd+S saves version 1." />
        <TemplateGallery selected=slug />
        <ActionForm action=create node_ref=form attr:class="space-y-3" on:keydown=submit_on_shortcut(form, "s", move || builder.is_valid_untracked())>
            <SpecBuilder builder />
            {move || server_error().map(|e| view! { <p role="alert" class="whitespace-pre-wrap text-sm text-rose-600">{e}</p> })}
            <button type="submit" prop:disabled=move || !builder.is_valid()
                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50">
                "Save agent"
            </button>
        </ActionForm>
    }
}
