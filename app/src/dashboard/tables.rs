//! The breakdowns: cost by provider/model, top agents, the latest failures, and the
//! gateway's use per API key.

use leptos::prelude::*;

use super::figures::Bar;
use super::format::{count, percent};
use super::{AgentUsage, CARD, FailedRun, KeyUsage, ModelUsage};

const TABLE: &str = "mt-3 w-full text-sm";
const HEAD: &str =
    "border-b border-slate-200 text-left text-xs font-medium text-slate-500 dark:border-slate-700";
const ROW: &str = "border-b border-slate-100 last:border-0 dark:border-slate-800";
const NUM: &str = "py-1.5 pl-2 text-right tabular-nums";

#[component]
pub fn ModelTable(models: Vec<ModelUsage>) -> impl IntoView {
    let total: i64 = models.iter().map(|m| m.cost.0).sum();
    view! {
        <section class=CARD aria-labelledby="models-title">
            <h2 id="models-title" class="font-medium">"Cost by provider and model"</h2>
            {if models.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500">"No model calls in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class=TABLE data-testid="models">
                            <thead><tr class=HEAD><th scope="col" class="py-1">"Model"</th><th scope="col" class=NUM>"Runs"</th>
                                <th scope="col" class=NUM>"Tokens"</th><th scope="col" class=NUM>"Cost"</th></tr></thead>
                            <tbody>
                                {models.into_iter().map(|m| {
                                    let key = m.label.clone();
                                    let share = if total > 0 { m.cost.0 as f64 / total as f64 } else { 0.0 };
                                    view! {
                                        <tr class=ROW data-model=key>
                                            <td class="py-1.5"><span class="break-all">{m.label}</span><Bar fraction=share fill="fill-indigo-500" /></td>
                                            <td class=NUM>{count(m.runs)}</td>
                                            <td class=NUM>{count(m.tokens)}</td>
                                            <td class=NUM>{m.cost.to_string()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn AgentTable(agents: Vec<AgentUsage>) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="agents-title">
            <h2 id="agents-title" class="font-medium">"Top agents"</h2>
            {if agents.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500">"No agent ran in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class=TABLE data-testid="agents">
                            <thead><tr class=HEAD><th scope="col" class="py-1">"Agent"</th><th scope="col" class=NUM>"Runs"</th>
                                <th scope="col" class=NUM>"Success"</th><th scope="col" class=NUM>"Cost"</th></tr></thead>
                            <tbody>
                                {agents.into_iter().map(|a| {
                                    let key = a.name.clone();
                                    let success = (a.runs > 0).then(|| percent((a.runs - a.failed) as f64 / a.runs as f64));
                                    view! {
                                        <tr class=ROW data-agent=key>
                                            <td class="py-1.5"><a href=format!("/agents/{}", a.id) class="text-indigo-600 hover:underline dark:text-indigo-400">{a.name}</a></td>
                                            <td class=NUM>{count(a.runs)}</td>
                                            <td class=NUM>{success.unwrap_or_else(|| "—".into())}</td>
                                            <td class=NUM>{a.cost.to_string()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn RecentFailures(runs: Vec<FailedRun>) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="recent-failures-title">
            <h2 id="recent-failures-title" class="font-medium">"Recent failed runs"</h2>
            {if runs.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500">"None in this range."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="recent-failures">
                        {runs.into_iter().map(|run| view! {
                            <li class="py-1.5">
                                <a href=format!("/runs/{}", run.id) class="flex flex-wrap justify-between gap-x-2 hover:underline">
                                    <span><span class="font-medium">{run.agent_name}</span> " · "
                                        <span class="font-mono text-xs text-rose-700 dark:text-rose-400">{run.reason}</span></span>
                                    <span class="text-xs text-slate-500">{format!("{} UTC", run.when)}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn KeyTable(keys: Vec<KeyUsage>) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="gateway-title">
            <h2 id="gateway-title" class="font-medium">"Gateway use by API key"</h2>
            {if keys.is_empty() {
                view! {
                    <p class="mt-3 text-sm text-slate-500">
                        "No gateway calls in this range. Point any OpenAI client at "
                        <code class="font-mono text-xs">"/v1"</code> " with a key from "
                        <a href="/settings/api-keys" class="text-indigo-600 hover:underline dark:text-indigo-400">"Settings → API keys"</a> "."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class=TABLE data-testid="gateway-keys">
                            <thead><tr class=HEAD><th scope="col" class="py-1">"Key"</th><th scope="col" class=NUM>"Requests"</th>
                                <th scope="col" class=NUM>"Tokens"</th><th scope="col" class=NUM>"Cost"</th>
                                <th scope="col" class=NUM>"Budget left this month"</th></tr></thead>
                            <tbody>
                                {keys.into_iter().map(|k| {
                                    let left = k.budget.map_or("no cap".to_string(), |budget| {
                                        format!("{} of {budget}", budget.saturating_sub(k.spent_this_month).max(crate::spec::MicroUsd::ZERO))
                                    });
                                    view! {
                                        <tr class=ROW data-key=k.prefix.clone()>
                                            <td class="py-1.5">{k.name}" "<span class="font-mono text-xs text-slate-500">{format!("{}…", k.prefix)}</span></td>
                                            <td class=NUM>{count(k.requests)}</td>
                                            <td class=NUM>{count(k.tokens)}</td>
                                            <td class=NUM>{k.cost.to_string()}</td>
                                            <td class=NUM>{left}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
