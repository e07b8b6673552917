use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::components::PageHeader;

/// Settings, with its sections as tabs.
#[component]
pub fn SettingsLayout() -> impl IntoView {
    let tab = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 aria-[current=page]:bg-white aria-[current=page]:text-slate-900 aria-[current=page]:shadow-sm dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-slate-800 dark:aria-[current=page]:text-white";
    view! {
        <PageHeader title="Settings" subtitle="Your team, your profile, and what happened in the team." />
        <nav aria-label="Settings sections" class="mb-6 inline-flex gap-1 rounded-lg bg-slate-200/60 p-1 dark:bg-slate-900">
            <A href="/settings" exact=true attr:class=tab>"Team"</A>
            <A href="/settings/profile" attr:class=tab>"Profile"</A>
            <A href="/settings/audit" attr:class=tab>"Audit log"</A>
        </nav>
        <Outlet />
    }
}
