//! The dashboard page: a range picker (links and a date form, so it works without
//! JavaScript) over the figures, charts and breakdowns, refreshed every 30 seconds.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::charts::{Palette, StackedBars, Unit};
use super::figures::{FailureReasons, Headline, QuotaBars};
use super::tables::{AgentTable, EndUserTable, KeyTable, ModelTable, RecentFailures};
use super::{Dashboard, DashboardRange, get_dashboard};
use crate::components::{EmptyState, PageHeader};
use crate::islands::LiveParts;

/// How often the open page asks again (seconds): runs finish in the background.
const REFRESH: u32 = 30;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name);
    let dashboard = Resource::new(
        move || (param("range"), param("from"), param("to")),
        |(range, from, to)| get_dashboard(range, from, to),
    );
    view! {
        <PageHeader title="Dashboard" subtitle="Runs, cost, success rate, latency and quota for your team." />
        <RangePicker />
        // The figures are drawn here on the server; the browser only fetches them again.
        <div id="dashboard-live" data-live-part>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading the dashboard…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(dashboard) if !dashboard.has_activity => view! {
                        <EmptyState
                            title="No runs yet"
                            body="Once your agents run, or your apps call the gateway, their runs, cost, latency and success rate appear here day by day."
                            action_label="Create an agent"
                            action_href="/agents/new?template=market-research"
                            secondary=("Get an API key", "/settings/api-keys")
                        />
                    }.into_any(),
                    Ok(dashboard) => view! { <Panels dashboard /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        </div>
        <LiveParts every=REFRESH />
    }
}

/// 7 / 30 / 90 days as links; any other range through the date form.
#[component]
fn RangePicker() -> impl IntoView {
    let query = use_query_map();
    let chosen = move || {
        let q = query.read();
        DashboardRange::parse(q.get_str("range"), q.get_str("from"), q.get_str("to")).ok()
    };
    let field = move |name: &str| query.read().get(name).unwrap_or_default();
    let link = "rounded-md px-3 py-1.5 text-sm aria-[current=page]:bg-indigo-600 aria-[current=page]:text-white hover:bg-slate-100 aria-[current=page]:hover:bg-indigo-600 dark:hover:bg-slate-800";
    let input = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-950";
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <nav aria-label="Range" class="flex gap-1 rounded-lg border border-slate-200 bg-white p-1 dark:border-slate-800 dark:bg-slate-900">
                {DashboardRange::PRESETS.into_iter().map(|days| {
                    let current = move || (chosen() == Some(DashboardRange::Last(days))).then_some("page");
                    // A plain link (the router still navigates in the page): the router's
                    // <A> marks every link to /dashboard current, whatever its query.
                    view! { <a href=format!("/dashboard?range={days}") class=link aria-current=current>{format!("{days} days")}</a> }
                }).collect_view()}
            </nav>
            <Form method="GET" action="/dashboard" attr:class="flex flex-wrap items-end gap-2" attr:aria-label="Custom range">
                <input type="hidden" name="range" value="custom" />
                <label class="text-xs text-slate-500">"From"
                    <input type="date" name="from" required value=move || field("from") class=format!("{input} ml-1") />
                </label>
                <label class="text-xs text-slate-500">"To"
                    <input type="date" name="to" required value=move || field("to") class=format!("{input} ml-1") />
                </label>
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Show"</button>
            </Form>
        </div>
    }
}

#[component]
fn Panels(dashboard: Dashboard) -> impl IntoView {
    let Dashboard {
        days,
        current,
        previous,
        failure_reasons,
        runs_by_model,
        cost_by_model,
        outcomes,
        models,
        agents,
        recent_failures,
        quota,
        keys,
        end_users,
        ..
    } = dashboard;
    let span = days.len();
    let first = days.first().cloned().unwrap_or_default();
    let last = days.last().cloned().unwrap_or_default();
    view! {
        <div class="space-y-4" data-testid="dashboard" data-from=first.clone() data-to=last.clone()>
            <Headline current previous days=span />
            <div class="grid gap-4 lg:grid-cols-2">
                <StackedBars title="Runs per day" days=days.clone() series=runs_by_model unit=Unit::Runs
                    palette=Palette::Models empty="No runs in this range." />
                <StackedBars title="Cost per day" days=days.clone() series=cost_by_model unit=Unit::Usd
                    palette=Palette::Models empty="Nothing spent in this range." />
                <StackedBars title="Successes and failures" days series=outcomes unit=Unit::Runs
                    palette=Palette::Outcomes empty="No runs ended in this range." />
                <FailureReasons reasons=failure_reasons failed=current.failed days=span />
                <QuotaBars quota />
                <RecentFailures runs=recent_failures />
                <ModelTable models />
                <AgentTable agents />
            </div>
            <KeyTable keys />
            <EndUserTable end_users />
            <p class="text-xs text-slate-500">
                {format!("{first} to {last}, UTC. Runs count on the day they ended. This page refreshes every 30 seconds.")}
            </p>
        </div>
    }
}
