use leptos::prelude::*;

use crate::components::{EmptyState, PageHeader};

#[component]
pub fn AgentsPage() -> impl IntoView {
    view! {
        <PageHeader title="Agents" subtitle="Agents defined by versioned specs, ready to run on any model." />
        <EmptyState
            title="No agents yet"
            body="Start from a template in the marketplace, or write a spec of your own."
            action_label="Browse templates"
            action_href="/marketplace"
        />
    }
}
