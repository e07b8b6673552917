//! The breakdowns: cost by provider/model, top agents, the latest failures, the
//! gateway's use per API key, and the embedded chats' signed end users.

use leptos::prelude::*;

use super::figures::Bar;
use super::format::{count, percent};
use super::{AgentUsage, FailedRun, KeyUsage, ModelUsage};
use crate::components::{NUM, Panel, ROW, Table};
use crate::conversations::EndUserUsage;

#[component]
pub fn ModelTable(models: Vec<ModelUsage>) -> impl IntoView {
    let total: i64 = models.iter().map(|m| m.cost.0).sum();
    let is_empty = models.is_empty();
    let rows = models
        .into_iter()
        .map(|m| {
            let key = m.label.clone();
            let share = if total > 0 {
                m.cost.0 as f64 / total as f64
            } else {
                0.0
            };
            view! {
                <tr class=ROW data-model=key>
                    <td class="py-1.5"><span class="break-all">{m.label}</span><Bar fraction=share fill="fill-indigo-500" /></td>
                    <td class=NUM>{count(m.runs)}</td>
                    <td class=NUM>{count(m.tokens)}</td>
                    <td class=NUM>{m.cost.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id="models" title="Cost by provider and model" is_empty
            empty="No model calls in this range.".into_any()>
            <Table test_id="models" columns=&["Model", "Runs", "Tokens", "Cost"]>{rows}</Table>
        </Panel>
    }
}

#[component]
pub fn AgentTable(agents: Vec<AgentUsage>) -> impl IntoView {
    let is_empty = agents.is_empty();
    let rows = agents
        .into_iter()
        .map(|a| {
            let key = a.name.clone();
            let success = if a.runs > 0 {
                percent((a.runs - a.failed) as f64 / a.runs as f64)
            } else {
                "—".into()
            };
            view! {
                <tr class=ROW data-agent=key>
                    <td class="py-1.5"><a href=format!("/agents/{}", a.id) class="text-indigo-600 hover:underline dark:text-indigo-400">{a.name}</a></td>
                    <td class=NUM>{count(a.runs)}</td>
                    <td class=NUM>{success}</td>
                    <td class=NUM>{a.cost.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id="agents" title="Top agents" is_empty empty="No agent ran in this range.".into_any()>
            <Table test_id="agents" columns=&["Agent", "Runs", "Success", "Cost"]>{rows}</Table>
        </Panel>
    }
}

#[component]
pub fn RecentFailures(runs: Vec<FailedRun>) -> impl IntoView {
    let is_empty = runs.is_empty();
    let items = runs
        .into_iter()
        .map(|run| view! {
            <li class="py-1.5">
                <a href=format!("/runs/{}", run.id) class="flex flex-wrap justify-between gap-x-2 hover:underline">
                    <span><span class="font-medium">{run.agent_name}</span> " · "
                        <span class="font-mono text-xs text-rose-700 dark:text-rose-400">{run.reason}</span></span>
                    <span class="text-xs text-slate-500">{format!("{} UTC", run.when)}</span>
                </a>
            </li>
        })
        .collect_view();
    view! {
        <Panel id="recent-failures" title="Recent failed runs" is_empty empty="None in this range.".into_any()>
            <ul class="mt-3 divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="recent-failures">{items}</ul>
        </Panel>
    }
}

#[component]
pub fn KeyTable(keys: Vec<KeyUsage>) -> impl IntoView {
    let is_empty = keys.is_empty();
    let rows = keys
        .into_iter()
        .map(|k| {
            let key = k.prefix.clone();
            let left = k.budget.map_or("no cap".to_string(), |budget| {
                let left = budget
                    .saturating_sub(k.spent_this_month)
                    .max(crate::spec::MicroUsd::ZERO);
                format!("{left} of {budget}")
            });
            let cached = if k.cache_hits == 0 {
                "—".to_string()
            } else {
                format!("{} · {} saved", count(k.cache_hits), k.cost_saved)
            };
            view! {
                <tr class=ROW data-key=key>
                    <td class="py-1.5">{k.name}" "<span class="font-mono text-xs text-slate-500">{format!("{}…", k.prefix)}</span></td>
                    <td class=NUM>{count(k.requests)}</td>
                    <td class=NUM>{count(k.tokens)}</td>
                    <td class=NUM>{k.cost.to_string()}</td>
                    <td class=NUM>{cached}</td>
                    <td class=NUM>{left}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = view! {
        "No gateway calls in this range. Point any OpenAI client at "
        <code class="font-mono text-xs">"/v1"</code> " with a key from "
        <a href="/settings/api-keys" class="text-indigo-600 underline dark:text-indigo-400">"Settings → API keys"</a> "."
    };
    view! {
        <Panel id="gateway" title="Gateway use by API key" is_empty empty=empty.into_any()>
            <Table test_id="gateway-keys" columns=&["Key", "Requests", "Tokens", "Cost", "From cache", "Budget left this month"]>{rows}</Table>
        </Panel>
    }
}

#[component]
pub fn EndUserTable(end_users: Vec<EndUserUsage>) -> impl IntoView {
    let is_empty = end_users.is_empty();
    let rows = end_users
        .into_iter()
        .map(|u| {
            let key = u.end_user.clone();
            let who = match u.name {
                Some(name) => view! { {name}" "<span class="font-mono text-xs text-slate-500">{u.end_user}</span> }.into_any(),
                None => view! { <span class="font-mono text-xs">{u.end_user}</span> }.into_any(),
            };
            view! {
                <tr class=ROW data-end-user=key>
                    <td class="py-1.5 break-all">{who}</td>
                    <td class="py-1.5"><a href=format!("/agents/{}", u.agent_id) class="text-indigo-600 hover:underline dark:text-indigo-400">{u.agent_name}</a></td>
                    <td class=NUM>{count(u.conversations)}</td>
                    <td class=NUM>{count(u.messages)}</td>
                    <td class=NUM>{u.cost.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = view! {
        "No signed-in users of your sites chatted in this range. Embed an agent from its "
        <span class="font-medium">"Share link"</span>" page, with tokens your server signs."
    };
    view! {
        <Panel id="end-users" title="End users of embedded chats" is_empty empty=empty.into_any()>
            <Table test_id="end-users" columns=&["User", "Agent", "Conversations", "Messages", "Cost"]>{rows}</Table>
        </Panel>
    }
}
