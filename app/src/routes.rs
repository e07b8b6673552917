//! The route table: public pages, the signed-in area, and the 404 fallback.

use leptos::prelude::*;
use leptos_meta::{Meta, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, SsrMode,
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
                // In order: each part of a signed-in page is sent when its data is ready
                // (milliseconds: our own database), in place, so nothing streamed in late
                // pushes the page down (out-of-order streaming swapped the demo banner
                // in above the content: a layout shift on every page).
                <ParentRoute path=path!("") view={Lazy::<SignedIn>::new()} ssr=SsrMode::InOrder>
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
///
/// Each page has its description (search engines show it) here, outside anything the
/// page loads: a `<Meta>` inside a pending `<Suspense>` misses the streamed `<head>`.
/// Layouts have none (`-`); their pages do.
macro_rules! lazy_pages {
    ($($route:ident => $description:tt $page:expr;)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! {
                    {lazy_pages!(@meta $description)}
                    {$page}
                }
                .into_any()
            }
        }
    )*};
    (@meta -) => { () };
    (@meta $description:literal) => {
        view! { <Meta name="description" content=$description /> }
    };
}

lazy_pages! {
    Landing => "Agent Factory turns a short YAML spec into a production AI agent: routed to the cheapest capable model, held to your rules, traced step by step, and ready to share or sell."
        view! { <PublicLayout><LandingPage /></PublicLayout> };
    SignIn => "Sign in to Agent Factory to build, run and watch your AI agents."
        view! { <PublicLayout><SignInPage /></PublicLayout> };
    SignUp => "Create a free Agent Factory account: build AI agents from a short spec and run them on any model, for less."
        view! { <PublicLayout><SignUpPage /></PublicLayout> };
    Invite => "An invitation to join a team on Agent Factory."
        view! { <PublicLayout><InvitePage /></PublicLayout> };
    SignedIn => - view! { <AppLayout /> };
    Settings => - view! { <SettingsLayout /> };
    Dashboard => "Runs, cost, success rate, latency and quota for your team."
        view! { <DashboardPage /> };
    Agents => "Your team's agents, defined by versioned specs and ready to run on any model."
        view! { <AgentsPage /> };
    NewAgent => "Build a new agent in the form or in YAML, checked as you type."
        view! { <NewAgentPage /> };
    Agent => "Run an agent and watch its answer stream, step by step, with cost and timing."
        view! { <AgentPage /> };
    EditAgent => "Edit an agent's spec; saving adds a new version."
        view! { <EditAgentPage /> };
    Compare => "Compare two versions of an agent's spec."
        view! { <ComparePage /> };
    Publish => "Publish an agent to the marketplace as a template, free or for a price."
        view! { <PublishPage /> };
    Run => "A run of an agent: its answer, every step, the cost and the timing."
        view! { <RunPage /> };
    Marketplace => "Agent templates from the community, free or paid, deployed in one click."
        view! { <MarketplacePage /> };
    Template => "An agent template in the Agent Factory marketplace: what it does, its spec and its reviews."
        view! { <TemplatePage /> };
    Purchase => "Your marketplace purchase, confirmed by Stripe."
        view! { <PurchasePage /> };
    Team => "Your team: its name, members, roles and invitations."
        view! { <TeamPage /> };
    Profile => "Your profile: name, data export and account deletion."
        view! { <ProfilePage /> };
    AuditLog => "What happened in your team, who did it and when."
        view! { <AuditLogPage /> };
    Providers => "The LLM providers your team's runs may use, with your own keys."
        view! { <ProvidersPage /> };
    ApiKeys => "API keys for the REST API and the OpenAI-compatible gateway."
        view! { <ApiKeysPage /> };
    Webhooks => "Webhook endpoints that hear about your team's runs."
        view! { <WebhooksPage /> };
    Billing => "Your team's plan, usage and invoices."
        view! { <BillingPage /> };
    Earnings => "What your marketplace templates earned, and payouts."
        view! { <EarningsPage /> };
}

/// The route's `:id` as a UUID (`None` when it is not one), for pages under
/// `/agents/:id` and `/runs/:id`.
pub fn use_id_param() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|id| id.parse().ok())
}
