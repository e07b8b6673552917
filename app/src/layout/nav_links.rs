use leptos::prelude::*;
use leptos_router::components::A;

/// The sections of the signed-in app, in the order the navigation shows them.
const SECTIONS: [(&str, &str); 5] = [
    ("/dashboard", "Dashboard"),
    ("/agents", "Agents"),
    ("/knowledge", "Knowledge"),
    ("/marketplace", "Marketplace"),
    ("/settings", "Settings"),
];

/// The section links; the router marks the current one with `aria-current="page"`.
#[component]
pub fn NavLinks() -> impl IntoView {
    SECTIONS
        .into_iter()
        .map(|(href, label)| {
            view! {
                <A
                    href=href
                    attr:class="block rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-300"
                >
                    {label}
                </A>
            }
        })
        .collect_view()
}
