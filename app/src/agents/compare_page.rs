//! `/agents/:id/compare?old=N&new=M`: what changed between two versions of a spec.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::compare_versions;
use super::diff::{Change, diff_lines};
use crate::components::PageHeader;

#[component]
pub fn ComparePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let wanted = move || {
        let id = params
            .read()
            .get("id")
            .and_then(|id| id.parse::<Uuid>().ok());
        let number = |key: &str| query.read().get(key).and_then(|v| v.parse::<i32>().ok());
        (id, number("old"), number("new"))
    };
    let pair = Resource::new(wanted, |wanted| async move {
        match wanted {
            (Some(id), Some(old), Some(new)) => {
                compare_versions(id, old, new).await.map(|pair| (id, pair))
            }
            _ => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading versions…"</p> }>
            {move || Suspend::new(async move {
                match pair.await {
                    Ok((id, pair)) => {
                        let lines = diff_lines(&pair.old.1, &pair.new.1);
                        view! {
                            <PageHeader title=format!("{}: version {} → {}", pair.agent_name, pair.old.0, pair.new.0) subtitle="Removed lines in red, added in green." />
                            <a href=format!("/agents/{id}") class="mb-3 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Back to the agent"</a>
                            <pre class="overflow-x-auto rounded-lg border border-slate-200 bg-white p-3 text-xs dark:border-slate-800 dark:bg-slate-900" data-testid="diff">
                                {lines.into_iter().map(|line| {
                                    let (mark, class) = match line.change {
                                        Change::Same => ("  ", ""),
                                        Change::Added => ("+ ", "bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"),
                                        Change::Removed => ("- ", "bg-rose-50 text-rose-800 dark:bg-rose-950 dark:text-rose-300"),
                                    };
                                    view! { <div class=class>{format!("{mark}{}", line.text)}</div> }
                                }).collect_view()}
                            </pre>
                        }.into_any()
                    }
                    Err(error) => view! { <p role="alert" class="text-rose-600">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
