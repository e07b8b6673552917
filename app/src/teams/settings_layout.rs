use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::auth::Role;
use crate::components::PageHeader;
use crate::layout::ViewerResource;

const TAB: &str = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 aria-[current=page]:bg-white aria-[current=page]:text-slate-900 aria-[current=page]:shadow-sm dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-slate-800 dark:aria-[current=page]:text-white";

/// Settings, with its sections as tabs.
#[component]
pub fn SettingsLayout() -> impl IntoView {
    // The audit log is for admins and owners; members do not see the tab.
    let viewer = use_context::<ViewerResource>();
    let audit_tab = move || {
        Suspend::new(async move {
            let admin = match viewer {
                Some(viewer) => matches!(viewer.await, Ok(Some(v)) if v.team.role >= Role::Admin),
                None => false,
            };
            admin.then(|| {
                view! {
                    <A href="/settings/api-keys" attr:class=TAB>"API keys"</A>
                    <A href="/settings/webhooks" attr:class=TAB>"Webhooks"</A>
                    <A href="/settings/billing" attr:class=TAB>"Billing"</A>
                    <A href="/settings/earnings" attr:class=TAB>"Earnings"</A>
                    <A href="/settings/sso" attr:class=TAB>"Single sign-on"</A>
                    <A href="/settings/audit" attr:class=TAB>"Audit log"</A>
                }
            })
        })
    };
    view! {
        <PageHeader title="Settings" subtitle="Your team, your profile, LLM providers, and what happened in the team." />
        <nav aria-label="Settings sections" class="mb-6 inline-flex max-w-full flex-wrap gap-1 rounded-lg bg-slate-200/60 p-1 dark:bg-slate-900">
            <A href="/settings" exact=true attr:class=TAB>"Team"</A>
            <A href="/settings/profile" attr:class=TAB>"Profile"</A>
            <A href="/settings/providers" attr:class=TAB>"Providers"</A>
            <Suspense fallback=|| ()>{audit_tab}</Suspense>
        </nav>
        <Outlet />
    }
}
