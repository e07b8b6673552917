use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::audit_log;

/// Settings → Audit log: who did what and when, newest first, filtered by action.
/// Driven by the address (`?action=…&before=…`), so filters and pages are links.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let action = move || query.read().get("action").filter(|a| !a.is_empty());
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let page = Resource::new(
        move || (action(), before()),
        |(action, before)| audit_log(action, before),
    );

    view! {
        <Title text="Audit log" />
        <form method="get" action="/settings/audit" class="mb-4 flex flex-wrap gap-2">
            <label for="action" class="sr-only">"Action"</label>
            <input id="action" name="action" value=action placeholder="Filter by action, e.g. member." class="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950" />
            <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.entries.is_empty() => view! {
                        <p class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700">"Nothing recorded yet."</p>
                    }.into_any(),
                    Ok(page) => {
                        let older = page.next_before.map(|id| match action() {
                            Some(action) => format!("/settings/audit?action={action}&before={id}"),
                            None => format!("/settings/audit?before={id}"),
                        });
                        view! {
                            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                                <table class="w-full text-left text-sm">
                                    <thead class="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800">
                                        <tr><th class="px-4 py-2">"When"</th><th class="px-4 py-2">"Who"</th><th class="px-4 py-2">"Action"</th><th class="px-4 py-2">"Target"</th><th class="px-4 py-2">"Details"</th></tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                        {page.entries.into_iter().map(|entry| view! {
                                            <tr>
                                                <td class="whitespace-nowrap px-4 py-2 text-slate-500">{entry.at}</td>
                                                <td class="px-4 py-2">{entry.actor}</td>
                                                <td class="px-4 py-2 font-mono text-xs">{entry.action}</td>
                                                <td class="px-4 py-2 font-mono text-xs">{entry.target}</td>
                                                <td class="px-4 py-2 font-mono text-xs text-slate-500">{entry.detail}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {older.map(|href| view! { <a href=href class="mt-4 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Older entries →"</a> })}
                        }.into_any()
                    }
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
