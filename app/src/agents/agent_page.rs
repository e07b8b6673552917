//! `/agents/:id`: the run console — a form from the spec's inputs, the recent runs, and
//! the spec itself.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::runs_list::RunsList;
use super::{AgentDetail, RestoreVersion, StartRun, VersionSummary, get_agent};
use crate::components::{PageHeader, refill};
use crate::islands::SubmitShortcut;
use crate::routes::use_id_param;
use crate::spec::{InputDef, InputType};

#[component]
pub fn AgentPage() -> impl IntoView {
    let agent_id = use_id_param();
    let restore = ServerAction::<RestoreVersion>::new();
    let agent = Resource::new(
        move || (agent_id(), restore.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_agent(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the agent…"</p> }>
            {move || Suspend::new(async move {
                match agent.await {
                    Ok(agent) => view! { <Console agent restore /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Console(agent: AgentDetail, restore: ServerAction<RestoreVersion>) -> impl IntoView {
    let start = ServerAction::<StartRun>::new();
    let error = move || {
        start
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    // What a failed post without JavaScript had in the fields.
    let typed = refill();
    let subtitle = format!(
        "{} · version {} · {}",
        agent.kind, agent.version, agent.description
    );
    view! {
        <PageHeader title=agent.name.clone() subtitle=subtitle />
        <div class="mb-4 flex flex-wrap gap-2">
            {(agent.kind == "agent").then(|| view! {
                <A href=format!("/agents/{}/chat", agent.id) attr:class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Chat"</A>
            })}
            {(agent.can_edit && agent.kind == "agent").then(|| view! {
                <A href=format!("/agents/{}/share", agent.id) attr:class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Share link"</A>
            })}
            {agent.can_edit.then(|| view! {
                <A href=format!("/agents/{}/edit", agent.id) attr:class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Edit spec"</A>
                <A href=format!("/agents/{}/publish", agent.id) attr:class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Publish to marketplace"</A>
            })}
        </div>
        <section aria-labelledby="run-title" class="mb-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="run-title" class="mb-3 font-medium">"Run"</h2>
            <SubmitShortcut key="Enter">
                <ActionForm action=start attr:class="space-y-3">
                    <input type="hidden" name="agent_id" value=agent.id.to_string() />
                    {agent.inputs.into_iter().map(|input| {
                        let typed = typed.get(&input.name).cloned();
                        view! { <InputField input typed /> }
                    }).collect_view()}
                    {move || error().map(|e| view! { <p role="alert" class="text-sm text-rose-600">{e}</p> })}
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500" aria-keyshortcuts="Control+Enter">"Run"</button>
                </ActionForm>
            </SubmitShortcut>
        </section>
        <RunsList agent_id=agent.id />
        <Versions agent_id=agent.id current=agent.version versions=agent.versions can_edit=agent.can_edit restore />
        <details class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <summary class="cursor-pointer font-medium">"Spec"</summary>
            <pre class="mt-3 overflow-x-auto text-xs">{agent.spec_yaml}</pre>
        </details>
    }
}

#[component]
pub(crate) fn InputField(input: InputDef, typed: Option<String>) -> impl IntoView {
    let id = format!("input-{}", input.name);
    let name = format!("values[{}]", input.name);
    let label = if input.required {
        format!("{} (required)", input.name)
    } else {
        input.name.clone()
    };
    let default = typed
        .or_else(|| {
            input.default.as_ref().map(|d| {
                d.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| d.to_string())
            })
        })
        .unwrap_or_default();
    let field = "block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
    let control = match input.kind {
        InputType::String => view! { <textarea id=id.clone() name=name rows="3" required=input.required class=field>{default}</textarea> }.into_any(),
        InputType::Boolean => view! { <input id=id.clone() name=name type="checkbox" checked=matches!(default.as_str(), "true" | "on" | "1") /> }.into_any(),
        InputType::Integer => view! { <input id=id.clone() name=name type="number" step="1" required=input.required value=default class=field /> }.into_any(),
        InputType::Number => view! { <input id=id.clone() name=name type="number" step="any" required=input.required value=default class=field /> }.into_any(),
    };
    view! {
        <div>
            <label for=id class="mb-1 block text-sm font-medium">{label}</label>
            {control}
            {(!input.description.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500">{input.description.clone()}</p> })}
        </div>
    }
}

/// Who saved which version when; compare any with the current one; restore an old one
/// as the newest version.
#[component]
fn Versions(
    agent_id: Uuid,
    current: i32,
    versions: Vec<VersionSummary>,
    can_edit: bool,
    restore: ServerAction<RestoreVersion>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="versions-title" class="mb-6">
            <h2 id="versions-title" class="mb-2 font-medium">"Versions"</h2>
            <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="versions">
                {versions.into_iter().map(|v| {
                    let older = v.version != current;
                    view! {
                        <li class="flex flex-wrap items-center justify-between gap-2 py-2">
                            <span>{format!("v{} · {} · {}", v.version, v.author, v.created)}{(!older).then_some(" (current)")}</span>
                            {older.then(|| view! {
                                <span class="flex gap-2">
                                    <A href=format!("/agents/{agent_id}/compare?old={}&new={current}", v.version) attr:class="text-indigo-600 hover:underline dark:text-indigo-400">{format!("Compare v{} with v{current}", v.version)}</A>
                                    {can_edit.then(|| view! {
                                        <ActionForm action=restore>
                                            <input type="hidden" name="agent_id" value=agent_id.to_string() />
                                            <input type="hidden" name="version" value=v.version.to_string() />
                                            <button type="submit" class="text-indigo-600 hover:underline dark:text-indigo-400">{format!("Restore v{}", v.version)}</button>
                                        </ActionForm>
                                    })}
                                </span>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
