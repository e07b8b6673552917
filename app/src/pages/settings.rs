use leptos::prelude::*;

use crate::components::PageHeader;

/// The settings areas, each with what it will hold.
const AREAS: [(&str, &str); 5] = [
    ("Team", "Members, roles and invitations."),
    (
        "API keys",
        "Keys for the REST API and the OpenAI-compatible gateway.",
    ),
    ("Providers", "Your own LLM provider keys, stored encrypted."),
    ("Webhooks", "Signed event deliveries to your endpoints."),
    ("Billing", "Your plan, invoices and creator earnings."),
];

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <PageHeader title="Settings" subtitle="Your team, keys, providers, webhooks and billing." />
        <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {AREAS
                .into_iter()
                .map(|(name, what)| {
                    view! {
                        <li class="rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                            <h2 class="font-medium">{name}</h2>
                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{what}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
