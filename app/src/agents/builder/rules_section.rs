//! Invariants as a rule builder: add a rule, pick its type, fill in its fields. The
//! engine enforces each at run time; a broken rule ends the run with its reason.

use leptos::prelude::*;

use super::Builder;
use super::draft::{AssertDraft, Rule};
use super::fields::{FieldProblems, RemoveButton, SMALL_BUTTON, Section, SelectField, TextField};
use crate::spec::{Comparison, RULES};

#[component]
pub fn RulesSection(builder: Builder) -> impl IntoView {
    let keys = move || builder.read(|d| d.rules.iter().map(|r| r.key).collect::<Vec<_>>());
    let chosen = RwSignal::new(RULES[0].to_string());
    let is_workflow = move || builder.read(|d| d.workflow);
    view! {
        <Section title="Invariants">
            <p class="text-xs text-slate-500">"Rules checked while the agent runs; a broken rule stops the run and says which."</p>
            <For each=keys key=|key| *key children=move |key| view! { <RuleRow builder row=key /> } />
            <FieldProblems builder path="invariants".to_string() id="spec-invariants-problems" exact=true />
            <div class="flex flex-wrap items-center gap-2">
                <label for="add-rule" class="text-sm">"Add a rule"</label>
                <select id="add-rule" class="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-950"
                    prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {RULES.into_iter().map(|rule| view! {
                        <option value=rule disabled=move || builder.read(|d| d.has_rule(rule))
                            hidden=move || is_workflow() && matches!(rule, "output_schema" | "allowed_tools")>
                            {Rule::label(rule)}
                        </option>
                    }).collect_view()}
                </select>
                <button type="button" class=SMALL_BUTTON
                    on:click=move |_| builder.edit(|d| {
                        let rule = chosen.get_untracked();
                        if !d.has_rule(&rule) {
                            d.add_rule(&rule);
                        }
                    })>"+ Rule"</button>
            </div>
        </Section>
    }
}

#[component]
fn RuleRow(builder: Builder, row: u32) -> impl IntoView {
    let key = row;
    let path = Signal::derive(move || builder.read(|d| d.rule_path(key)));
    let rule = move || {
        builder.read(|d| {
            d.rules
                .iter()
                .find(|r| r.key == key)
                .map(|r| r.rule.clone())
        })
    };
    // A row keeps its kind for life; only its values change.
    let Some(initial) = builder.draft.with_untracked(|d| {
        d.rules
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.rule.clone())
    }) else {
        return ().into_any();
    };
    let yaml_key = initial.yaml_key();
    let field_path = Signal::derive(move || format!("{}.{yaml_key}", path.get()));
    let id = format!("rule-{key}");
    let text = move || match rule() {
        Some(
            Rule::MaxSteps(t)
            | Rule::MaxCost(t)
            | Rule::MaxTokens(t)
            | Rule::MaxConversationCost(t)
            | Rule::OutputSchema(t)
            | Rule::MustContain(t)
            | Rule::MustNotContain(t),
        ) => t,
        _ => String::new(),
    };
    let set_text = Callback::new(move |value: String| {
        builder.edit(|d| {
            if let Some(
                Rule::MaxSteps(t)
                | Rule::MaxCost(t)
                | Rule::MaxTokens(t)
                | Rule::MaxConversationCost(t)
                | Rule::OutputSchema(t)
                | Rule::MustContain(t)
                | Rule::MustNotContain(t),
            ) = d.rule_mut(key)
            {
                *t = value
            }
        })
    });
    let value = Signal::derive(text);
    let body = match initial {
        Rule::MaxSteps(_) | Rule::MaxCost(_) | Rule::MaxTokens(_) | Rule::MaxConversationCost(_) => view! {
            <TextField builder id=format!("{id}-value") label=Rule::label(yaml_key) path=field_path value on_input=set_text />
        }.into_any(),
        Rule::OutputSchema(_) => {
            let json_problem = move || {
                serde_json::from_str::<serde_json::Value>(&text()).err().map(|e| format!("Not valid JSON yet: {e}"))
            };
            let hint = Signal::derive(move || json_problem().unwrap_or_else(|| "A JSON Schema the answer must match (the agent is asked for JSON).".to_string()));
            view! {
                <TextField builder id=format!("{id}-value") label=Rule::label(yaml_key) path=field_path value on_input=set_text rows=8 mono=true hint />
            }.into_any()
        }
        Rule::MustContain(_) | Rule::MustNotContain(_) => {
            let hint = Signal::stored("One phrase per line.".to_string());
            view! {
                <TextField builder id=format!("{id}-value") label=Rule::label(yaml_key) path=field_path value on_input=set_text rows=3 hint />
            }.into_any()
        }
        Rule::AllowedTools(_) => view! { <AllowedTools builder row=key path=field_path /> }.into_any(),
        Rule::Assert(_) => view! { <AssertFields builder row=key path=field_path /> }.into_any(),
    };
    view! {
        <div class="rounded-md border border-slate-200 p-3 dark:border-slate-800" data-testid="rule-row">
            <div class="mb-2 flex items-center justify-between gap-2">
                <span class="font-mono text-xs text-slate-500">{yaml_key}</span>
                <RemoveButton label=format!("Remove the rule {yaml_key}")
                    on_click=Callback::new(move |()| builder.edit(|d| d.rules.retain(|r| r.key != key))) />
            </div>
            {body}
            <FieldProblems builder path id=format!("{id}-problems") exact=true />
        </div>
    }
    .into_any()
}

#[component]
fn AllowedTools(builder: Builder, row: u32, path: Signal<String>) -> impl IntoView {
    let key = row;
    let allowed = move || match builder.read(|d| {
        d.rules
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.rule.clone())
    }) {
        Some(Rule::AllowedTools(names)) => names,
        _ => Vec::new(),
    };
    let toggle = move |name: String, on: bool| {
        builder.edit(|d| {
            if let Some(Rule::AllowedTools(names)) = d.rule_mut(key) {
                names.retain(|n| n != &name);
                if on {
                    names.push(name);
                }
            }
        })
    };
    view! {
        <fieldset>
            <legend class="mb-1 text-sm font-medium">"Only these tools may be called"</legend>
            <div class="flex flex-wrap gap-3">
                {move || builder.read(|d| d.tool_names()).into_iter().map(|name| {
                    let checked_name = name.clone();
                    let toggled_name = name.clone();
                    view! {
                        <label class="inline-flex items-center gap-1.5 font-mono text-sm">
                            <input type="checkbox" prop:checked=move || allowed().contains(&checked_name)
                                on:change=move |ev| toggle(toggled_name.clone(), event_target_checked(&ev)) />
                            {name}
                        </label>
                    }
                }).collect_view()}
            </div>
            <FieldProblems builder path id=format!("rule-{key}-tools-problems") />
        </fieldset>
    }
}

#[component]
fn AssertFields(builder: Builder, row: u32, path: Signal<String>) -> impl IntoView {
    let key = row;
    let get = move |read: fn(&AssertDraft) -> String| {
        Signal::derive(move || {
            match builder.read(|d| {
                d.rules
                    .iter()
                    .find(|r| r.key == key)
                    .map(|r| r.rule.clone())
            }) {
                Some(Rule::Assert(assert)) => read(&assert),
                _ => String::new(),
            }
        })
    };
    let set = move |write: fn(&mut AssertDraft, String)| {
        Callback::new(move |value: String| {
            builder.edit(|d| {
                if let Some(Rule::Assert(assert)) = d.rule_mut(key) {
                    write(assert, value)
                }
            })
        })
    };
    let field = move |name: &'static str| Signal::derive(move || format!("{}.{name}", path.get()));
    let ops: Vec<(&'static str, &'static str)> = Comparison::ALL
        .into_iter()
        .map(|op| (op.symbol(), op.symbol()))
        .collect();
    let id = move |name: &str| format!("rule-{key}-{name}");
    view! {
        <div class="grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
            <TextField builder id=id("path") label="Field (JSON Pointer)" path=field("path") placeholder="/score" mono=true
                value=get(|a| a.path.clone()) on_input=set(|a, v| a.path = v) />
            <SelectField builder id=id("op") label="Is" path=field("op") options=ops
                value=get(|a| a.op.clone()) on_change=set(|a, v| a.op = v) />
            <TextField builder id=id("value") label="Value" path=field("value") placeholder="60"
                value=get(|a| a.value.clone()) on_input=set(|a, v| a.value = v) />
        </div>
        <div class="mt-3">
            <TextField builder id=id("message") label="Message when it fails" path=field("message")
                value=get(|a| a.message.clone()) on_input=set(|a, v| a.message = v) />
        </div>
        <FieldProblems builder path id=id("problems") exact=true />
    }
}
