//! `/agents/new`: write a spec with live validation and save it as a new agent.

use leptos::form::ActionForm;
use leptos::html::Form;
use leptos::prelude::*;

use super::CreateAgent;
use super::spec_editor::{SpecEditor, problems_of, submit_on_shortcut};
use crate::components::PageHeader;

const STARTER: &str = "name: My agent
description: What it does, in a sentence.
model:
  task: simple
  max_cost_per_run_usd: 0.05
instructions: |
  You are a helpful assistant. Answer: {{input.question}}
tools: [calculator, current_time]
inputs:
  question: { type: string, required: true }
invariants:
  - max_steps: 6
";

/// The seeded examples, offered as starting points.
const STARTERS: [(&str, &str); 3] = [
    ("Blank agent", STARTER),
    (
        "Market research agent",
        include_str!("../spec/examples/market_research.yaml"),
    ),
    (
        "Idea Validator workflow",
        include_str!("../spec/examples/idea_validator.yaml"),
    ),
];

#[component]
pub fn NewAgentPage() -> impl IntoView {
    let create = ServerAction::<CreateAgent>::new();
    let text = RwSignal::new(STARTER.to_string());
    let problems = problems_of(text);
    let form = NodeRef::<Form>::new();
    let server_error = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <PageHeader title="New agent" subtitle="A spec in YAML (or JSON). Errors show as you type; Ctrl/Cmd+S saves version 1." />
        <div class="mb-4 flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="Start from">
            <span class="text-slate-600 dark:text-slate-400">"Start from:"</span>
            {STARTERS.into_iter().map(|(label, yaml)| view! {
                <button type="button" on:click=move |_| text.set(yaml.to_string())
                    class="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">{label}</button>
            }).collect_view()}
        </div>
        <ActionForm action=create node_ref=form attr:class="space-y-3" on:keydown=submit_on_shortcut(form, "s", move || problems.get_untracked().is_empty())>
            <SpecEditor text problems />
            {move || server_error().map(|e| view! { <p role="alert" class="whitespace-pre-wrap text-sm text-rose-600">{e}</p> })}
            <button type="submit" prop:disabled=move || !problems.get().is_empty()
                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50">
                "Save agent"
            </button>
        </ActionForm>
    }
}
