use leptos::prelude::*;

use crate::components::{EmptyState, PageHeader};

#[component]
pub fn MarketplacePage() -> impl IntoView {
    view! {
        <PageHeader title="Marketplace" subtitle="Agent templates from the community, free or paid, deployed in one click." />
        <EmptyState
            title="No templates published yet"
            body="Templates that creators publish appear here, with ratings and deploy counts."
            action_label="Go to your agents"
            action_href="/agents"
        />
    }
}
