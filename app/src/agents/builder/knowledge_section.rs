//! Knowledge: the team's knowledge bases ticked from a list, and how the agent uses
//! them (a `knowledge_search` tool it calls when it needs, or a search before every
//! answer; passages ranked by meaning and words, or by one of them). A name the team
//! does not have (a typo, a base since deleted) stays ticked and says so, until it is
//! unticked or the base is created.

use leptos::prelude::*;

use crate::components::CodeText;
use crate::knowledge::Retrieval;

use super::fields::{Section, SelectField, TextField};
use super::{Builder, is_under};
use crate::spec::DEFAULT_KNOWLEDGE_RESULTS;

const MODES: [(&str, &str); 2] = [
    ("tool", "When the model decides"),
    ("always", "Before every answer"),
];
const CHOICE: &str =
    "flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm dark:border-slate-800";

#[component]
pub fn KnowledgeSection(builder: Builder) -> impl IntoView {
    let choices = builder.knowledge_choices.get_value();
    let ticked = move |name: &str| builder.read(|d| d.knowledge.bases.iter().any(|b| b == name));
    let toggle = move |name: String, on: bool| {
        builder.edit(|d| {
            d.knowledge.bases.retain(|b| *b != name);
            if on {
                d.knowledge.bases.push(name);
            }
        })
    };
    let known: Vec<String> = choices.iter().map(|c| c.name.clone()).collect();
    let unknown = move || {
        builder.read(|d| {
            let bases = d.knowledge.bases.iter();
            bases
                .filter(|b| !known.contains(b))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let in_use = move || builder.read(|d| !d.knowledge.bases.is_empty());
    // Errors about the list itself; the mode's and the count's sit under their fields.
    let list_errors = move || {
        builder.errors_where(|path| {
            is_under(path, "knowledge")
                && !is_under(path, "knowledge.mode")
                && !is_under(path, "knowledge.results")
                && !is_under(path, "knowledge.retrieval")
        })
    };
    let list = if choices.is_empty() {
        view! {
            <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="no-knowledge-bases">
                "The team has no knowledge bases yet. "
                <a href="/knowledge" class="text-indigo-600 hover:underline dark:text-indigo-400">"Create one"</a>
                " and upload documents; then tick it here."
            </p>
        }
        .into_any()
    } else {
        view! {
            <div class="grid gap-2 sm:grid-cols-2">
                {choices.into_iter().map(|choice| {
                    let summary = choice.summary();
                    let name = choice.name.clone();
                    let checked = name.clone();
                    view! {
                        <label class=CHOICE>
                            <input type="checkbox" class="mt-1" prop:checked=move || ticked(&checked)
                                on:change=move |ev| toggle(name.clone(), event_target_checked(&ev)) />
                            <span>
                                <span class="font-mono font-medium">{choice.name}</span>
                                <span class="block text-xs text-slate-500">{summary}</span>
                            </span>
                        </label>
                    }
                }).collect_view()}
            </div>
        }
        .into_any()
    };
    view! {
        <Section title="Knowledge">
            <p class="text-xs text-slate-500">"Answers from the team's documents, citing them as [1], [2]… with links to the passages."</p>
            {list}
            {move || unknown().into_iter().map(|name| {
                let unticked = name.clone();
                view! {
                    <label class=CHOICE data-testid="unknown-knowledge-base">
                        <input type="checkbox" class="mt-1" checked
                            on:change=move |_| toggle(unticked.clone(), false) />
                        <span>
                            <span class="font-mono font-medium">{name}</span>
                            <span class="block text-xs text-rose-600 dark:text-rose-400">"The team has no knowledge base of this name: untick it, or create it before saving."</span>
                        </span>
                    </label>
                }
            }).collect_view()}
            <ul aria-live="polite" class="space-y-0.5 text-xs text-rose-600 dark:text-rose-400" id="spec-knowledge-problems">
                {move || list_errors().into_iter().map(|m| view! { <li><CodeText text=m /></li> }).collect_view()}
            </ul>
            <Show when=in_use>
                <div class="grid gap-3 sm:grid-cols-2">
                    <SelectField builder id="spec-knowledge-mode" label="When to search" path="knowledge.mode".to_string()
                        value=Signal::derive(move || builder.read(|d| match d.knowledge.mode.as_str() {
                            "" => "tool".to_string(),
                            mode => mode.to_string(),
                        }))
                        on_change=Callback::new(move |v| builder.edit(|d| d.knowledge.mode = v))
                        options=MODES.to_vec() />
                    <TextField builder id="spec-knowledge-results" label="Passages per search (1–20)" path="knowledge.results".to_string()
                        placeholder=DEFAULT_RESULTS
                        value=Signal::derive(move || builder.read(|d| d.knowledge.results.clone()))
                        on_input=Callback::new(move |v| builder.edit(|d| d.knowledge.results = v)) />
                    <SelectField builder id="spec-knowledge-retrieval" label="Ranked by" path="knowledge.retrieval".to_string()
                        value=Signal::derive(move || builder.read(|d| match d.knowledge.retrieval.as_str() {
                            "" => Retrieval::default().as_str().to_string(),
                            by => by.to_string(),
                        }))
                        on_change=Callback::new(move |v| builder.edit(|d| d.knowledge.retrieval = v))
                        options=Retrieval::ALL.map(|by| (by.as_str(), by.label())).to_vec() />
                </div>
                <p class="text-xs text-slate-500">"When the model decides, it searches through a knowledge_search tool; before every answer, the task is searched and the passages put in front of the model (for models without tools)."</p>
                <p class="text-xs text-slate-500">"By meaning and words finds the most; by words only embeds nothing, so searching costs nothing. The knowledge base's page tries each."</p>
            </Show>
        </Section>
    }
}

/// The placeholder shows the default.
const DEFAULT_RESULTS: &str = "5";
const _: () = assert!(DEFAULT_KNOWLEDGE_RESULTS == 5);
