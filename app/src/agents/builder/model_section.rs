//! Basics, model and routing, and instructions: the fields every agent has.

use leptos::prelude::*;

use super::Builder;
use super::fields::{FieldProblems, Section, SelectField, TextField};
use crate::catalog;
use crate::spec::TaskType;

const MAX_INSTRUCTIONS_CHARS: usize = 20_000;

#[component]
pub fn BasicsSection(builder: Builder) -> impl IntoView {
    let kind = move || {
        if builder.read(|d| d.workflow) {
            "Workflow: several agents wired into a graph"
        } else {
            "Agent: one model with tools"
        }
    };
    view! {
        <Section title="Basics">
            <p class="text-xs text-slate-500" data-testid="spec-kind">{kind}</p>
            <TextField builder id="spec-name" label="Name" path="name".to_string()
                value=Signal::derive(move || builder.read(|d| d.name.clone()))
                on_input=Callback::new(move |v| builder.edit(|d| d.name = v)) />
            <TextField builder id="spec-description" label="Description" path="description".to_string() rows=2
                placeholder="What it does, in a sentence."
                value=Signal::derive(move || builder.read(|d| d.description.clone()))
                on_input=Callback::new(move |v| builder.edit(|d| d.description = v)) />
        </Section>
    }
}

#[component]
pub fn ModelSection(builder: Builder) -> impl IntoView {
    let tasks: Vec<(&'static str, &'static str)> = TaskType::ALL
        .into_iter()
        .map(|task| (task.as_str(), task_label(task)))
        .collect();
    let prefer = move || builder.read(|d| d.model.prefer.clone());
    let toggle = move |provider: &'static str, on: bool| {
        builder.edit(|d| {
            d.model.prefer.retain(|p| p != provider);
            if on {
                d.model.prefer.push(provider.to_string());
            }
        })
    };
    view! {
        <Section title="Model and routing">
            <SelectField builder id="spec-task" label="Task type" path="model.task".to_string()
                value=Signal::derive(move || builder.read(|d| d.model.task.clone()))
                on_change=Callback::new(move |v| builder.edit(|d| d.model.task = v))
                options=tasks />
            <p class="-mt-2 text-xs text-slate-500">"The router picks the cheapest model able to do this kind of work, unless you name models below."</p>
            <TextField builder id="spec-models" label="Models (optional, tried in order)" path="model.name".to_string()
                placeholder="chosen by task"
                hint=Signal::stored(models_hint())
                value=Signal::derive(move || builder.read(|d| d.model.models.clone()))
                on_input=Callback::new(move |v| builder.edit(|d| d.model.models = v)) />
            <div class="grid gap-3 sm:grid-cols-2">
                <TextField builder id="spec-max-cost" label="Cost ceiling per run (USD)" path="model.max_cost_per_run_usd".to_string()
                    placeholder="0.05"
                    value=Signal::derive(move || builder.read(|d| d.model.max_cost.clone()))
                    on_input=Callback::new(move |v| builder.edit(|d| d.model.max_cost = v)) />
                <TextField builder id="spec-temperature" label="Temperature (0–2)" path="model.temperature".to_string()
                    placeholder="default"
                    value=Signal::derive(move || builder.read(|d| d.model.temperature.clone()))
                    on_input=Callback::new(move |v| builder.edit(|d| d.model.temperature = v)) />
                <TextField builder id="spec-max-output" label="Most output tokens" path="model.max_output_tokens".to_string()
                    placeholder="default"
                    value=Signal::derive(move || builder.read(|d| d.model.max_output_tokens.clone()))
                    on_input=Callback::new(move |v| builder.edit(|d| d.model.max_output_tokens = v)) />
                <TextField builder id="spec-history" label="Conversation history (tokens)" path="model.history_tokens".to_string()
                    placeholder="8000"
                    value=Signal::derive(move || builder.read(|d| d.model.history_tokens.clone()))
                    on_input=Callback::new(move |v| builder.edit(|d| d.model.history_tokens = v)) />
            </div>
            <fieldset>
                <legend class="mb-1 text-sm font-medium">"Provider preference"</legend>
                <p class="mb-2 text-xs text-slate-500">"Tried in the order you tick them; none ticked uses the platform's default chain."</p>
                <div class="flex flex-wrap gap-3">
                    {catalog::provider_ids().map(|provider| view! {
                        <label class="inline-flex items-center gap-1.5 text-sm">
                            <input type="checkbox" prop:checked=move || prefer().iter().any(|p| p == provider)
                                on:change=move |ev| toggle(provider, event_target_checked(&ev)) />
                            {provider}
                        </label>
                    }).collect_view()}
                </div>
                <p class="mt-1 text-xs text-slate-500" data-testid="prefer-order">
                    {move || match prefer() {
                        list if list.is_empty() => "Default chain".to_string(),
                        list => format!("Order: {}", list.join(" → ")),
                    }}
                </p>
                <FieldProblems builder path="model.prefer".to_string() id="spec-prefer-problems" />
            </fieldset>
        </Section>
    }
}

#[component]
pub fn InstructionsSection(builder: Builder) -> impl IntoView {
    let hint = Signal::derive(move || {
        builder.read(|d| {
            let count = d.instructions.chars().count();
            let inputs: Vec<String> = d
                .inputs
                .iter()
                .map(|input| format!("{{{{input.{}}}}}", input.name))
                .collect();
            let placeholders = if inputs.is_empty() {
                String::new()
            } else {
                format!(" · Use {}", inputs.join(", "))
            };
            format!("{count} / {MAX_INSTRUCTIONS_CHARS} characters{placeholders}")
        })
    });
    view! {
        <Section title="Instructions">
            <TextField builder id="spec-instructions" label="What the agent should do" path="instructions".to_string()
                rows=8 hint
                value=Signal::derive(move || builder.read(|d| d.instructions.clone()))
                on_input=Callback::new(move |v| builder.edit(|d| d.instructions = v)) />
        </Section>
    }
}

/// The catalogue's models, for the field's hint.
fn models_hint() -> String {
    let names: Vec<&str> = catalog::MODELS.iter().map(|card| card.name).collect();
    format!(
        "Comma-separated: {}, or provider/model for one a provider lists.",
        names.join(", ")
    )
}

fn task_label(task: TaskType) -> &'static str {
    match task {
        TaskType::Simple => "Simple answers",
        TaskType::Classification => "Classification",
        TaskType::Research => "Research",
        TaskType::ComplexReasoning => "Complex reasoning",
        TaskType::CodeGeneration => "Code generation",
    }
}
