//! A titled card with a table in it, or a sentence when there is nothing to show: the
//! shape of the dashboard's breakdowns and of the earnings page.

use leptos::prelude::*;

/// A bordered card, the box every settings and dashboard section sits in.
pub const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";
/// A table row, and a number cell.
pub const ROW: &str = "border-b border-slate-100 last:border-0 dark:border-slate-800";
pub const NUM: &str = "py-1.5 pl-2 text-right tabular-nums";

/// A titled card holding `children`, or the `empty` sentence when there is nothing.
#[component]
pub fn Panel(
    id: &'static str,
    title: &'static str,
    is_empty: bool,
    empty: AnyView,
    children: Children,
) -> impl IntoView {
    let labelled_by = format!("{id}-title");
    let heading = labelled_by.clone();
    view! {
        <section class=CARD aria-labelledby=labelled_by>
            <h2 id=heading class="font-medium">{title}</h2>
            {if is_empty {
                view! { <p class="mt-3 text-sm text-slate-500">{empty}</p> }.into_any()
            } else {
                children()
            }}
        </section>
    }
}

/// A table whose first column is text and the others numbers.
#[component]
pub fn Table(
    test_id: &'static str,
    columns: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    let head = columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let class = if i == 0 { "py-1" } else { NUM };
            view! { <th scope="col" class=class>{*name}</th> }
        })
        .collect_view();
    view! {
        <div class="overflow-x-auto">
            <table class="mt-3 w-full text-sm" data-testid=test_id>
                <thead>
                    <tr class="border-b border-slate-200 text-left text-xs font-medium text-slate-500 dark:border-slate-700">{head}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
