//! An agent's runs: filter by status and days, page back in time. Plain links and a GET form, so
//! it works without JavaScript and every view has its own URL.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::list_runs;
use crate::query_string;

const STATUSES: [&str; 5] = ["queued", "running", "succeeded", "failed", "cancelled"];

#[component]
pub fn RunsList(agent_id: Uuid) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &'static str| move || query.read().get(name).unwrap_or_default();
    let (status, from, to, before) = (param("status"), param("from"), param("to"), param("before"));
    let page = Resource::new(
        move || (status(), from(), to(), before()),
        move |(status, from, to, before)| {
            list_runs(agent_id, Some(status), Some(from), Some(to), Some(before))
        },
    );
    view! {
        <section aria-labelledby="runs-title" class="mb-6">
            <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                <h2 id="runs-title" class="font-medium">"Runs"</h2>
                <Form method="GET" action="" attr:class="flex flex-wrap items-center gap-2 text-sm">
                    <label for="run-status">"Status"</label>
                    <select id="run-status" name="status" class="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-950">
                        <option value="" selected=move || status().is_empty()>"All"</option>
                        {STATUSES.into_iter().map(|s| view! { <option value=s selected=move || status() == s>{s}</option> }).collect_view()}
                    </select>
                    <label for="run-from">"From"</label>
                    <input id="run-from" type="date" name="from" value=from
                        class="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-950" />
                    <label for="run-to">"To"</label>
                    <input id="run-to" type="date" name="to" value=to
                        class="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-950" />
                    <button type="submit" class="rounded-md border border-slate-300 px-2 py-1 dark:border-slate-700">"Filter"</button>
                </Form>
            </div>
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading runs…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let older = page.next_before.map(|cursor| {
                                let mut href = format!("?before={}", query_string::encode(&cursor));
                                for (name, value) in [("status", status()), ("from", from()), ("to", to())] {
                                    if !value.is_empty() {
                                        href.push_str(&format!("&{name}={value}"));
                                    }
                                }
                                view! { <A href=href attr:class="mt-2 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Older runs"</A> }
                            });
                            view! {
                                {page.runs.is_empty().then(|| view! { <p class="text-sm text-slate-500">"No runs here yet."</p> })}
                                <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="runs">
                                    {page.runs.into_iter().map(|run| view! {
                                        <li class="flex flex-wrap justify-between gap-2 py-2">
                                            <A href=format!("/runs/{}", run.id) attr:class="text-indigo-600 hover:underline dark:text-indigo-400">{run.created.clone()}</A>
                                            <span>{format!("{} · {}", run.status.as_str(), run.cost)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                                {older}
                            }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
