//! The route table: public pages, the signed-in area, and the 404 fallback.

use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute,
    components::{ParentRoute, Route, Router, Routes},
    hooks::use_params_map,
    lazy_route, path,
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

/// Pages whose first visit ships no WASM at all: everything on them works as plain
/// HTML (links, forms posted without JavaScript that come back with their error and
/// fields, a CSS-only preview switch), so the visitor downloads the page and its
/// stylesheet. Reached from a page that has the client, the router still renders them
/// in the browser.
#[cfg_attr(
    not(feature = "ssr"),
    expect(dead_code, reason = "read by the server render only")
)]
pub const CLIENT_FREE_PAGES: [&str; 3] = ["/", "/signin", "/signup"];

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/agent-factory.css" />
        <Title formatter=|page: String| format!("{page} · Agent Factory") />
        <Router>
            <Routes fallback=|| view! { <PublicLayout><NotFoundPage /></PublicLayout> }>
                <Route path=path!("/") view={Lazy::<Landing>::new()} />
                <Route path=path!("/signin") view={Lazy::<SignIn>::new()} />
                <Route path=path!("/signup") view={Lazy::<SignUp>::new()} />
                <Route path=path!("/invite/:token") view={Lazy::<Invite>::new()} />
                <ParentRoute path=path!("") view={Lazy::<SignedIn>::new()}>
                    <Route path=path!("/dashboard") view={Lazy::<Dashboard>::new()} />
                    <Route path=path!("/agents") view={Lazy::<Agents>::new()} />
                    <Route path=path!("/agents/new") view={Lazy::<NewAgent>::new()} />
                    <Route path=path!("/agents/:id") view={Lazy::<Agent>::new()} />
                    <Route path=path!("/agents/:id/edit") view={Lazy::<EditAgent>::new()} />
                    <Route path=path!("/agents/:id/compare") view={Lazy::<Compare>::new()} />
                    <Route path=path!("/agents/:id/publish") view={Lazy::<Publish>::new()} />
                    <Route path=path!("/runs/:id") view={Lazy::<Run>::new()} />
                    <Route path=path!("/marketplace") view={Lazy::<Marketplace>::new()} />
                    <Route path=path!("/marketplace/:slug") view={Lazy::<Template>::new()} />
                    <Route path=path!("/marketplace/:slug/purchase") view={Lazy::<Purchase>::new()} />
                    <ParentRoute path=path!("/settings") view={Lazy::<Settings>::new()}>
                        <Route path=path!("") view={Lazy::<Team>::new()} />
                        <Route path=path!("profile") view={Lazy::<Profile>::new()} />
                        <Route path=path!("audit") view={Lazy::<AuditLog>::new()} />
                        <Route path=path!("providers") view={Lazy::<Providers>::new()} />
                        <Route path=path!("api-keys") view={Lazy::<ApiKeys>::new()} />
                        <Route path=path!("webhooks") view={Lazy::<Webhooks>::new()} />
                        <Route path=path!("billing") view={Lazy::<Billing>::new()} />
                        <Route path=path!("earnings") view={Lazy::<Earnings>::new()} />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Declares pages as lazy routes. With `cargo leptos --split` each page's code becomes
/// a WASM chunk of its own, fetched the first time the page is shown (on the server
/// render, the page's chunk is preloaded alongside the main module), so the first
/// download holds only the router and what every page shares. The signed-in frame and
/// the settings tabs are lazy too: a visitor on the landing page never loads them.
macro_rules! lazy_pages {
    ($($route:ident => $page:expr;)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page.into_any()
            }
        }
    )*};
}

lazy_pages! {
    Landing => view! { <PublicLayout><LandingPage /></PublicLayout> };
    SignIn => view! { <PublicLayout><SignInPage /></PublicLayout> };
    SignUp => view! { <PublicLayout><SignUpPage /></PublicLayout> };
    Invite => view! { <PublicLayout><InvitePage /></PublicLayout> };
    SignedIn => view! { <AppLayout /> };
    Settings => view! { <SettingsLayout /> };
    Dashboard => view! { <DashboardPage /> };
    Agents => view! { <AgentsPage /> };
    NewAgent => view! { <NewAgentPage /> };
    Agent => view! { <AgentPage /> };
    EditAgent => view! { <EditAgentPage /> };
    Compare => view! { <ComparePage /> };
    Publish => view! { <PublishPage /> };
    Run => view! { <RunPage /> };
    Marketplace => view! { <MarketplacePage /> };
    Template => view! { <TemplatePage /> };
    Purchase => view! { <PurchasePage /> };
    Team => view! { <TeamPage /> };
    Profile => view! { <ProfilePage /> };
    AuditLog => view! { <AuditLogPage /> };
    Providers => view! { <ProvidersPage /> };
    ApiKeys => view! { <ApiKeysPage /> };
    Webhooks => view! { <WebhooksPage /> };
    Billing => view! { <BillingPage /> };
    Earnings => view! { <EarningsPage /> };
}

/// The route's `:id` as a UUID (`None` when it is not one), for pages under
/// `/agents/:id` and `/runs/:id`.
pub fn use_id_param() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|id| id.parse().ok())
}
