//! `/agents`: the team's agents with their last run, searchable by name.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

use super::{AgentSort, AgentSummary, list_agents};
use crate::auth::Role;
use crate::components::{EmptyState, PageHeader};
use crate::layout::ViewerResource;

#[component]
pub fn AgentsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let sort = move || query.read().get("sort").unwrap_or_default();
    let agents = Resource::new(
        move || (search(), sort()),
        |(q, sort)| list_agents(Some(q), Some(sort)),
    );
    // Admins and owners create agents; members only see what they can use.
    let viewer = use_context::<ViewerResource>();
    let new_agent = move || {
        Suspend::new(async move {
            let admin = match viewer {
                Some(viewer) => matches!(viewer.await, Ok(Some(v)) if v.team.role >= Role::Admin),
                None => false,
            };
            admin.then(|| view! {
                <A href="/agents/new" attr:class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"New agent"</A>
            })
        })
    };
    view! {
        <PageHeader title="Agents" subtitle="Agents defined by versioned specs, ready to run on any model." />
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <Form method="GET" action="" attr:class="flex flex-wrap gap-2">
                <label for="agent-search" class="sr-only">"Search agents"</label>
                <input id="agent-search" type="search" name="q" value=search placeholder="Search by name"
                    class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950" />
                <label for="agent-sort" class="sr-only">"Sort by"</label>
                <select id="agent-sort" name="sort" class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950">
                    {AgentSort::ALL.into_iter().map(|option| view! {
                        <option value=option.as_str() selected=move || sort() == option.as_str()>{option.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm dark:border-slate-700">"Apply"</button>
            </Form>
            <Suspense fallback=|| ()>{new_agent}</Suspense>
        </div>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading agents…"</p> }>
            {move || Suspend::new(async move {
                match agents.await {
                    Ok(list) if list.is_empty() && search().is_empty() => view! {
                        <EmptyState
                            title="No agents yet"
                            body="Start from a template (market research, support triage, a whole idea-validation workflow) or build one from scratch."
                            action_label="Start from a template"
                            action_href="/agents/new?template=market-research"
                            secondary=("Blank agent", "/agents/new?template=blank")
                        />
                    }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="text-sm text-slate-500">"No agent matches that name."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="grid gap-3 md:grid-cols-2" data-testid="agents">
                            {list.into_iter().map(|agent| view! { <AgentCard agent /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AgentCard(agent: AgentSummary) -> impl IntoView {
    let last = agent.last_run.map(|run| {
        format!(
            "Last run {} · {} · {}",
            run.status.as_str(),
            run.cost,
            run.created
        )
    });
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-baseline justify-between gap-2">
                <A href=format!("/agents/{}", agent.id) attr:class="font-medium hover:underline">{agent.name.clone()}</A>
                <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">{format!("{} · v{}", agent.kind, agent.version)}</span>
            </div>
            <p class="mt-1 line-clamp-2 text-sm text-slate-600 dark:text-slate-400">{agent.description.clone()}</p>
            <p class="mt-2 text-xs text-slate-500">{last.unwrap_or_else(|| "Never run".to_string())}</p>
        </li>
    }
}
