//! The route table: public pages, the signed-in area, and the 404 fallback.

use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title, provide_meta_context};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    hooks::use_params_map,
    path,
};
use uuid::Uuid;

use crate::agents::{AgentPage, AgentsPage, ComparePage, EditAgentPage, NewAgentPage, RunPage};
use crate::api_keys::ApiKeysPage;
use crate::auth::{SignInPage, SignUpPage};
use crate::billing::BillingPage;
use crate::dashboard::DashboardPage;
use crate::layout::{AppLayout, PublicLayout};
use crate::marketplace::{EarningsPage, MarketplacePage, PublishPage, PurchasePage, TemplatePage};
use crate::pages::{LandingPage, NotFoundPage};
use crate::profile::ProfilePage;
use crate::providers::ProvidersPage;
use crate::teams::{AuditLogPage, InvitePage, SettingsLayout, TeamPage};
use crate::webhooks::WebhooksPage;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/agent-factory.css" />
        <Title formatter=|page: String| format!("{page} · Agent Factory") />
        <Router>
            <Routes fallback=|| view! { <PublicLayout><NotFoundPage /></PublicLayout> }>
                <Route path=path!("/") view=|| view! { <PublicLayout><LandingPage /></PublicLayout> } />
                <Route path=path!("/signin") view=|| view! { <PublicLayout><SignInPage /></PublicLayout> } />
                <Route path=path!("/signup") view=|| view! { <PublicLayout><SignUpPage /></PublicLayout> } />
                <Route path=path!("/invite/:token") view=|| view! { <PublicLayout><InvitePage /></PublicLayout> } />
                <ParentRoute path=path!("") view=AppLayout>
                    <Route path=path!("/dashboard") view=DashboardPage />
                    <Route path=path!("/agents") view=AgentsPage />
                    <Route path=path!("/agents/new") view=NewAgentPage />
                    <Route path=path!("/agents/:id") view=AgentPage />
                    <Route path=path!("/agents/:id/edit") view=EditAgentPage />
                    <Route path=path!("/agents/:id/compare") view=ComparePage />
                    <Route path=path!("/agents/:id/publish") view=PublishPage />
                    <Route path=path!("/runs/:id") view=RunPage />
                    <Route path=path!("/marketplace") view=MarketplacePage />
                    <Route path=path!("/marketplace/:slug") view=TemplatePage />
                    <Route path=path!("/marketplace/:slug/purchase") view=PurchasePage />
                    <ParentRoute path=path!("/settings") view=SettingsLayout>
                        <Route path=path!("") view=TeamPage />
                        <Route path=path!("profile") view=ProfilePage />
                        <Route path=path!("audit") view=AuditLogPage />
                        <Route path=path!("providers") view=ProvidersPage />
                        <Route path=path!("api-keys") view=ApiKeysPage />
                        <Route path=path!("webhooks") view=WebhooksPage />
                        <Route path=path!("billing") view=BillingPage />
                        <Route path=path!("earnings") view=EarningsPage />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The route's `:id` as a UUID (`None` when it is not one), for pages under
/// `/agents/:id` and `/runs/:id`.
pub fn use_id_param() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|id| id.parse().ok())
}
