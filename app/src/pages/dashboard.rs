use leptos::prelude::*;

use crate::components::{EmptyState, PageHeader};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <PageHeader title="Dashboard" subtitle="Runs, cost, success rate and quota for your team." />
        <EmptyState
            title="No runs yet"
            body="Once your agents run, their cost, latency and success rate appear here, day by day."
            action_label="Create an agent"
            action_href="/agents"
        />
    }
}
