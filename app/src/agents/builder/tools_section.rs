//! Tools: built-in ones ticked from a list with what each does, and custom HTTP tools
//! declared in a small form (secrets are named, never written).

use leptos::prelude::*;

use crate::components::CodeText;

use super::Builder;
use super::fields::{RemoveButton, SMALL_BUTTON, Section, SelectField, TextField};
use crate::spec::BuiltinTool;

const METHODS: [(&str, &str); 5] = [
    ("GET", "GET"),
    ("POST", "POST"),
    ("PUT", "PUT"),
    ("PATCH", "PATCH"),
    ("DELETE", "DELETE"),
];

#[component]
pub fn ToolsSection(builder: Builder) -> impl IntoView {
    let ticked = move |name: &str| builder.read(|d| d.builtin_tools.iter().any(|t| t == name));
    let toggle = move |name: &'static str, on: bool| {
        builder.edit(|d| {
            d.builtin_tools.retain(|t| t != name);
            if on {
                d.builtin_tools.push(name.to_string());
            }
        })
    };
    // Errors about the built-in part of the list (the first entries) sit under it.
    let builtin_errors = move || {
        let count = builder.read(|d| d.builtin_tools.len());
        builder.errors_where(move |path| {
            path == "tools" || (0..count).any(|i| super::is_under(path, &format!("tools[{i}]")))
        })
    };
    let custom_keys =
        move || builder.read(|d| d.custom_tools.iter().map(|t| t.key).collect::<Vec<_>>());
    view! {
        <Section title="Tools">
            <div class="grid gap-2 sm:grid-cols-2">
                {BuiltinTool::ALL.into_iter().map(|tool| view! {
                    <label class="flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm dark:border-slate-800">
                        <input type="checkbox" class="mt-1" prop:checked=move || ticked(tool.name())
                            on:change=move |ev| toggle(tool.name(), event_target_checked(&ev)) />
                        <span>
                            <span class="font-mono font-medium">{tool.name()}</span>
                            <span class="block text-xs text-slate-500">{tool.description()}</span>
                        </span>
                    </label>
                }).collect_view()}
            </div>
            <ul aria-live="polite" class="space-y-0.5 text-xs text-rose-600 dark:text-rose-400" id="spec-tools-problems">
                {move || builtin_errors().into_iter().map(|m| view! { <li><CodeText text=m /></li> }).collect_view()}
            </ul>
            <For each=custom_keys key=|key| *key children=move |key| view! { <CustomToolRow builder row=key /> } />
            <button type="button" class=SMALL_BUTTON on:click=move |_| builder.edit(|d| d.add_custom_tool())>
                "+ Custom HTTP tool"
            </button>
        </Section>
    }
}

#[component]
fn CustomToolRow(builder: Builder, row: u32) -> impl IntoView {
    let key = row;
    let path = Signal::derive(move || builder.read(|d| d.tool_path(key)));
    let field = move |name: &'static str| Signal::derive(move || format!("{}.{name}", path.get()));
    let get = move |read: fn(&super::draft::CustomToolDraft) -> String| {
        Signal::derive(move || {
            builder.read(|d| {
                d.custom_tools
                    .iter()
                    .find(|t| t.key == key)
                    .map(read)
                    .unwrap_or_default()
            })
        })
    };
    let set = move |write: fn(&mut super::draft::CustomToolDraft, String)| {
        Callback::new(move |value: String| {
            builder.edit(|d| {
                if let Some(tool) = d.tool_mut(key) {
                    write(tool, value)
                }
            })
        })
    };
    let id = move |name: &str| format!("tool-{key}-{name}");
    let header_count = move || {
        builder.read(|d| {
            d.custom_tools
                .iter()
                .find(|t| t.key == key)
                .map_or(0, |t| t.headers.len())
        })
    };
    let header_rows = move || (0..header_count()).collect::<Vec<_>>();
    view! {
        <div class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-800" data-testid="custom-tool">
            <div class="flex items-center justify-between">
                <h3 class="text-sm font-medium">"Custom HTTP tool"</h3>
                <RemoveButton label="Remove this tool".to_string()
                    on_click=Callback::new(move |()| builder.edit(|d| d.custom_tools.retain(|t| t.key != key))) />
            </div>
            <div class="grid gap-3 sm:grid-cols-2">
                <TextField builder id=id("name") label="Name" path=field("name") placeholder="crm_lookup"
                    value=get(|t| t.name.clone()) on_input=set(|t, v| t.name = v) />
                <SelectField builder id=id("method") label="Method" path=field("method")
                    value=get(|t| t.method.clone()) on_change=set(|t, v| t.method = v) options=METHODS.to_vec() />
            </div>
            <TextField builder id=id("description") label="What it does (the model reads this)" path=field("description")
                value=get(|t| t.description.clone()) on_input=set(|t, v| t.description = v) />
            <TextField builder id=id("url") label="URL" path=field("url") placeholder="https://api.example.com/items/{id}" mono=true
                value=get(|t| t.url.clone()) on_input=set(|t, v| t.url = v) />
            <TextField builder id=id("parameters") label="Parameters (JSON Schema)" path=field("parameters") rows=4 mono=true
                value=get(|t| t.parameters.clone()) on_input=set(|t, v| t.parameters = v) />
            <fieldset class="space-y-2">
                <legend class="text-sm font-medium">"Headers from team secrets"</legend>
                <For each=header_rows key=|i| *i
                    children=move |i| view! { <HeaderRow builder row=key index=i /> } />
                <button type="button" class=SMALL_BUTTON on:click=move |_| builder.edit(|d| {
                    if let Some(tool) = d.tool_mut(key) {
                        tool.headers.push(super::draft::HeaderDraft { name: "Authorization".into(), prefix: "Bearer ".into(), ..Default::default() });
                    }
                })>"+ Header"</button>
            </fieldset>
        </div>
    }
}

/// One header: its name, the team secret that fills it, and an optional prefix.
#[component]
fn HeaderRow(builder: Builder, row: u32, index: usize) -> impl IntoView {
    let key = row;
    let get = move |read: fn(&super::draft::HeaderDraft) -> String| {
        Signal::derive(move || {
            builder.read(|d| {
                d.custom_tools
                    .iter()
                    .find(|t| t.key == key)
                    .and_then(|t| t.headers.get(index))
                    .map(read)
                    .unwrap_or_default()
            })
        })
    };
    let set = move |write: fn(&mut super::draft::HeaderDraft, String)| {
        Callback::new(move |value: String| {
            builder.edit(|d| {
                if let Some(header) = d.tool_mut(key).and_then(|t| t.headers.get_mut(index)) {
                    write(header, value)
                }
            })
        })
    };
    // The header's errors (its name, its secret) show once, under the secret.
    let path = Signal::derive(move || {
        builder.read(|d| {
            let name = d
                .custom_tools
                .iter()
                .find(|t| t.key == key)
                .and_then(|t| t.headers.get(index))
                .map(|h| h.name.clone())
                .unwrap_or_default();
            format!("{}.headers.{name}", d.tool_path(key))
        })
    });
    let elsewhere = Signal::stored(String::from("-"));
    let id = move |name: &str| format!("tool-{key}-header-{index}-{name}");
    view! {
        <div class="grid items-end gap-2 sm:grid-cols-[1fr_1fr_1fr_auto]">
            <TextField builder id=id("name") label="Header" path=elsewhere value=get(|h| h.name.clone()) on_input=set(|h, v| h.name = v) />
            <TextField builder id=id("secret") label="Team secret" path placeholder="CRM_TOKEN" value=get(|h| h.secret.clone()) on_input=set(|h, v| h.secret = v) />
            <TextField builder id=id("prefix") label="Prefix" path=elsewhere placeholder="Bearer " value=get(|h| h.prefix.clone()) on_input=set(|h, v| h.prefix = v) />
            <RemoveButton label="Remove this header".to_string() on_click=Callback::new(move |()| builder.edit(|d| {
                if let Some(tool) = d.tool_mut(key)
                    && index < tool.headers.len()
                {
                    tool.headers.remove(index);
                }
            })) />
        </div>
    }
}
