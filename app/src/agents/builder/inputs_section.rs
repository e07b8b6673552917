//! Inputs: what a run asks for. The run console builds its form from these.

use leptos::prelude::*;

use super::Builder;
use super::draft::InputDraft;
use super::fields::{RemoveButton, SMALL_BUTTON, Section, SelectField, TextField};

const TYPES: [(&str, &str); 4] = [
    ("string", "Text"),
    ("number", "Number"),
    ("integer", "Whole number"),
    ("boolean", "Yes / no"),
];

#[component]
pub fn InputsSection(builder: Builder) -> impl IntoView {
    let keys = move || builder.read(|d| d.inputs.iter().map(|i| i.key).collect::<Vec<_>>());
    view! {
        <Section title="Inputs">
            <Show when=move || keys().is_empty()>
                <p class="text-sm text-slate-500">"No inputs: the agent runs without being asked anything."</p>
            </Show>
            <For each=keys key=|key| *key children=move |key| view! { <InputRow builder row=key /> } />
            <button type="button" class=SMALL_BUTTON on:click=move |_| builder.edit(|d| d.add_input())>"+ Input"</button>
        </Section>
    }
}

#[component]
fn InputRow(builder: Builder, row: u32) -> impl IntoView {
    let key = row;
    let path = Signal::derive(move || builder.read(|d| d.input_path(key)));
    let field = move |name: &'static str| Signal::derive(move || format!("{}.{name}", path.get()));
    let get = move |read: fn(&InputDraft) -> String| {
        Signal::derive(move || {
            builder.read(|d| {
                d.inputs
                    .iter()
                    .find(|i| i.key == key)
                    .map(read)
                    .unwrap_or_default()
            })
        })
    };
    let set = move |write: fn(&mut InputDraft, String)| {
        Callback::new(move |value: String| {
            builder.edit(|d| {
                if let Some(input) = d.input_mut(key) {
                    write(input, value)
                }
            })
        })
    };
    let required = move || builder.read(|d| d.inputs.iter().any(|i| i.key == key && i.required));
    let id = move |name: &str| format!("input-{key}-{name}");
    view! {
        <div class="grid items-start gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-2 dark:border-slate-800" data-testid="input-row">
            // Errors about the row as a whole (its name, a missing field) show under the name.
            <TextField builder id=id("name") label="Name" path mono=true exact=true
                value=get(|i| i.name.clone()) on_input=set(|i, v| i.name = v) />
            <SelectField builder id=id("type") label="Type" path=field("type")
                value=get(|i| i.kind.clone()) on_change=set(|i, v| i.kind = v) options=TYPES.to_vec() />
            <TextField builder id=id("description") label="Description" path=field("description")
                value=get(|i| i.description.clone()) on_input=set(|i, v| i.description = v) />
            <TextField builder id=id("default") label="Default" path=field("default") placeholder="none"
                value=get(|i| i.default.clone()) on_input=set(|i, v| i.default = v) />
            <div class="flex items-center justify-between gap-2 sm:col-span-2">
                <label class="inline-flex items-center gap-1.5 text-sm">
                    <input type="checkbox" prop:checked=required
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            builder.edit(|d| if let Some(input) = d.input_mut(key) { input.required = on });
                        } />
                    "Required"
                </label>
                <RemoveButton label="Remove this input".to_string()
                    on_click=Callback::new(move |()| builder.edit(|d| d.inputs.retain(|i| i.key != key))) />
            </div>
        </div>
    }
}
