//! `/agents/new`: pick a template or start blank, build the spec in the form or as YAML
//! with live validation, and save it as a new agent.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::CreateAgent;
use super::builder::{Builder, SpecFormBody, TemplateGallery};
use crate::components::PageHeader;
use crate::islands::submit_on_shortcut;
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
    view! {
        <PageHeader title="New agent" subtitle="Build it in the form or write the YAML; errors show as you type. Ctrl/Cmd+S saves version 1." />
        // Each card is a link: picking one loads the page with that template.
        <TemplateGallery selected=slug />
        <NewAgentForm yaml />
    }
}

/// The builder, as an island whose code (the spec validator included) is fetched when
/// the page is opened.
#[island(lazy)]
fn NewAgentForm(yaml: String) -> impl IntoView {
    let create = ServerAction::<CreateAgent>::new();
    let builder = Builder::new(yaml);
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    view! {
        <div on:keydown=submit_on_shortcut("s")>
            <ActionForm action=create attr:class="space-y-3">
                <SpecFormBody builder error label="Save agent" />
            </ActionForm>
        </div>
    }
}
