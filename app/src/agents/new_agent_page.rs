//! `/agents/new`: write a spec with live validation (the same validator as the server,
//! compiled into the page) and save it as a new agent.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::CreateAgent;
use crate::components::PageHeader;
use crate::spec::parse_spec;

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

#[component]
pub fn NewAgentPage() -> impl IntoView {
    let create = ServerAction::<CreateAgent>::new();
    let text = RwSignal::new(STARTER.to_string());
    let problems = Memo::new(move |_| match parse_spec(&text.get()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .0
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>(),
    });
    let server_error = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <PageHeader title="New agent" subtitle="A spec in YAML (or JSON). Errors show as you type; saving creates version 1." />
        <ActionForm action=create attr:class="space-y-3">
            <label for="spec" class="block text-sm font-medium">"Spec"</label>
            <textarea id="spec" name="spec" rows="22" spellcheck="false" aria-describedby="spec-problems"
                class="block w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-sm dark:border-slate-700 dark:bg-slate-950"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            >{STARTER}</textarea>
            <div id="spec-problems" aria-live="polite" data-testid="spec-problems">
                {move || {
                    let list = problems.get();
                    if list.is_empty() {
                        view! { <p class="text-sm text-emerald-700 dark:text-emerald-400">"The spec is valid."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="space-y-1 text-sm text-rose-600">
                                {list.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </div>
            {move || server_error().map(|e| view! { <p role="alert" class="whitespace-pre-wrap text-sm text-rose-600">{e}</p> })}
            <button type="submit" prop:disabled=move || !problems.get().is_empty()
                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50">
                "Save agent"
            </button>
        </ActionForm>
    }
}
