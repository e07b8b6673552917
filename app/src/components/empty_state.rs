use leptos::prelude::*;
use leptos_router::components::A;

/// What a section shows before there is anything in it: what it is for and the one
/// obvious next step.
#[component]
pub fn EmptyState(
    title: &'static str,
    body: &'static str,
    action_label: &'static str,
    action_href: &'static str,
    /// A second, quieter way forward: (label, link).
    #[prop(optional)]
    secondary: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center dark:border-slate-700 dark:bg-slate-900">
            <h2 class="text-lg font-medium">{title}</h2>
            <p class="mx-auto mt-2 max-w-md text-sm text-slate-600 dark:text-slate-400">{body}</p>
            <A
                href=action_href
                attr:class="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
            >
                {action_label}
            </A>
            {secondary.map(|(label, href)| view! {
                <A href=href attr:class="ml-3 mt-6 inline-block rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">{label}</A>
            })}
        </section>
    }
}
