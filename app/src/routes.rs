//! The route table: public pages, the signed-in area, and the 404 fallback.

use leptos::prelude::*;
use leptos_meta::{Meta, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    hooks::use_params_map,
    path,
};
use uuid::Uuid;

use crate::agents::{AgentPage, AgentsPage, ComparePage, EditAgentPage, NewAgentPage, RunPage};
use crate::api_keys::ApiKeysPage;
use crate::auth::{
    ChangeEmailPage, ForgotPasswordPage, ResetPasswordPage, SignInPage, SignUpPage, TwoFactorPage,
    VerifyEmailPage,
};
use crate::billing::BillingPage;
use crate::conversations::{ChatPage, PublicChatPage, SharePage};
use crate::dashboard::DashboardPage;
use crate::knowledge::{DocumentPage, KnowledgeBaseView, KnowledgePage};
use crate::layout::{AppLayout, PublicLayout};
use crate::marketplace::{EarningsPage, MarketplacePage, PublishPage, PurchasePage, TemplatePage};
use crate::pages::{LandingPage, NotFoundPage};
use crate::profile::ProfilePage;
use crate::providers::ProvidersPage;
use crate::team_sso::{SsoPage, SsoSignInPage};
use crate::teams::{AuditLogPage, InvitePage, SettingsLayout, TeamPage};
use crate::webhooks::WebhooksPage;

/// Pages anyone may see without signing in (and `/invite/…` links); the server's page
/// guard sends everyone else to sign in first.
pub const PUBLIC_PAGES: [&str; 9] = [
    "/",
    "/signin",
    "/sso",
    "/signin/two-factor",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
    "/change-email",
];

/// Pages without an island: their visit downloads the page and its stylesheet, no
/// WASM. Everything on them works as plain HTML (links, GET forms for search and
/// filters, forms posted without JavaScript that come back with their error and
/// fields, a CSS-only preview switch). `:name` matches one path segment. A page that
/// gains an island leaves this list (the page tests check that none here renders one).
pub const CLIENT_FREE_PAGES: [&str; 17] = [
    "/",
    "/signin",
    "/sso",
    "/signin/two-factor",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
    "/change-email",
    "/invite/:token",
    "/agents",
    "/agents/:id/compare",
    "/knowledge",
    "/knowledge/:id/documents/:document",
    "/marketplace",
    "/marketplace/:slug",
    "/settings/audit",
];

/// Whether `path` is one of the [`CLIENT_FREE_PAGES`].
#[cfg_attr(
    not(feature = "ssr"),
    expect(dead_code, reason = "read by the server render only")
)]
pub fn is_client_free(path: &str) -> bool {
    fn segments(path: &str) -> Vec<&str> {
        path.split('/').filter(|s| !s.is_empty()).collect()
    }
    let path = segments(path);
    CLIENT_FREE_PAGES.iter().any(|pattern| {
        let pattern = segments(pattern);
        pattern.len() == path.len()
            && pattern
                .iter()
                .zip(&path)
                .all(|(want, got)| want.starts_with(':') || want == got)
    })
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/agent-factory.css" />
        <Title formatter=|page: String| format!("{page} · Agent Factory") />
        <Router>
            <Routes fallback=|| view! { <PublicLayout><NotFoundPage /></PublicLayout> }>
                <Route path=path!("/") view=Landing />
                <Route path=path!("/signin") view=SignIn />
                <Route path=path!("/signin/two-factor") view=SignInCode />
                <Route path=path!("/sso") view=SsoSignIn />
                <Route path=path!("/signup") view=SignUp />
                <Route path=path!("/forgot-password") view=ForgotPassword />
                <Route path=path!("/reset-password") view=ResetPassword />
                <Route path=path!("/verify-email") view=VerifyEmail />
                <Route path=path!("/change-email") view=ChangeEmail />
                <Route path=path!("/invite/:token") view=Invite />
                // Whole, so its title and a 404 for a dead link arrive with the head.
                <Route path=path!("/c/:token") view=SharedChat ssr=SsrMode::Async />
                <Route path=path!("/c/:token/:conversation") view=SharedChat ssr=SsrMode::Async />
                // Whole: a signed-in page is sent once its data is ready (milliseconds:
                // our own database), so its <head> carries the title a page sets from
                // that data (the agent's name) and nothing streamed in late pushes the
                // page down (out-of-order streaming swapped the demo banner in above the
                // content: a layout shift on every page).
                <ParentRoute path=path!("") view=SignedIn ssr=SsrMode::Async>
                    <Route path=path!("/dashboard") view=Dashboard />
                    <Route path=path!("/agents") view=Agents />
                    <Route path=path!("/agents/new") view=NewAgent />
                    <Route path=path!("/agents/:id") view=Agent />
                    <Route path=path!("/agents/:id/edit") view=EditAgent />
                    <Route path=path!("/agents/:id/compare") view=Compare />
                    <Route path=path!("/agents/:id/publish") view=Publish />
                    <Route path=path!("/agents/:id/chat") view=Chat />
                    <Route path=path!("/agents/:id/chat/:conversation") view=Chat />
                    <Route path=path!("/agents/:id/share") view=Share />
                    <Route path=path!("/runs/:id") view=Run />
                    <Route path=path!("/knowledge") view=Knowledge />
                    <Route path=path!("/knowledge/:id") view=KnowledgeBase />
                    <Route path=path!("/knowledge/:id/documents/:document") view=KnowledgeDocument />
                    <Route path=path!("/marketplace") view=Marketplace />
                    <Route path=path!("/marketplace/:slug") view=Template />
                    <Route path=path!("/marketplace/:slug/purchase") view=Purchase />
                    <ParentRoute path=path!("/settings") view=Settings>
                        <Route path=path!("") view=Team />
                        <Route path=path!("profile") view=Profile />
                        <Route path=path!("audit") view=AuditLog />
                        <Route path=path!("sso") view=Sso />
                        <Route path=path!("providers") view=Providers />
                        <Route path=path!("api-keys") view=ApiKeys />
                        <Route path=path!("webhooks") view=Webhooks />
                        <Route path=path!("billing") view=Billing />
                        <Route path=path!("earnings") view=Earnings />
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Declares each page as a route view with its description (search engines show it),
/// here in the route table, outside anything the page loads: a `<Meta>` inside a
/// pending `<Suspense>` misses the streamed `<head>`. Layouts have none (`-`); their
/// pages do.
macro_rules! pages {
    ($($route:ident => $description:tt $page:expr;)*) => {$(
        #[allow(non_snake_case)]
        fn $route() -> impl IntoView {
            view! {
                {pages!(@meta $description)}
                {$page}
            }
        }
    )*};
    (@meta -) => { () };
    (@meta $description:literal) => {
        view! { <Meta name="description" content=$description /> }
    };
}

pages! {
    Landing => "Agent Factory turns a short YAML spec into a production AI agent: routed to the cheapest capable model, held to your rules, traced step by step, and ready to share or sell."
        view! { <PublicLayout><LandingPage /></PublicLayout> };
    SignIn => "Sign in to Agent Factory to build, run and watch your AI agents."
        view! { <PublicLayout><SignInPage /></PublicLayout> };
    SignInCode => "Finish signing in to Agent Factory with the code from your authenticator app."
        view! { <PublicLayout><TwoFactorPage /></PublicLayout> };
    SsoSignIn => "Sign in to Agent Factory through your team's own identity provider."
        view! { <PublicLayout><SsoSignInPage /></PublicLayout> };
    SignUp => "Create a free Agent Factory account: build AI agents from a short spec and run them on any model, for less."
        view! { <PublicLayout><SignUpPage /></PublicLayout> };
    ForgotPassword => "Forgot your Agent Factory password? Get a link by email to choose a new one."
        view! { <PublicLayout><ForgotPasswordPage /></PublicLayout> };
    ResetPassword => "Choose a new password for your Agent Factory account."
        view! { <PublicLayout><ResetPasswordPage /></PublicLayout> };
    VerifyEmail => "Confirm the email address of your Agent Factory account."
        view! { <PublicLayout><VerifyEmailPage /></PublicLayout> };
    ChangeEmail => "Confirm the new email address of your Agent Factory account."
        view! { <PublicLayout><ChangeEmailPage /></PublicLayout> };
    Invite => "An invitation to join a team on Agent Factory."
        view! { <PublicLayout><InvitePage /></PublicLayout> };
    SharedChat => "Chat with an AI agent built on Agent Factory."
        view! { <PublicChatPage /> };
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
    Chat => "Talk with an agent: conversations that remember, answers streamed with their steps, each turn a run with its cost."
        view! { <ChatPage /> };
    Share => "A public link where anyone can chat with the agent, within a daily budget."
        view! { <SharePage /> };
    Publish => "Publish an agent to the marketplace as a template, free or for a price."
        view! { <PublishPage /> };
    Run => "A run of an agent: its answer, every step, the cost and the timing."
        view! { <RunPage /> };
    Knowledge => "Your team's knowledge bases: documents agents answer from, with citations."
        view! { <KnowledgePage /> };
    KnowledgeBase => "A knowledge base: its documents as they are indexed, and a search playground."
        view! { <KnowledgeBaseView /> };
    KnowledgeDocument => "A document's chunks, as agents find and cite them."
        view! { <DocumentPage /> };
    Marketplace => "Agent templates from the community, free or paid, deployed in one click."
        view! { <MarketplacePage /> };
    Template => "An agent template in the Agent Factory marketplace: what it does, its spec and its reviews."
        view! { <TemplatePage /> };
    Purchase => "Your marketplace purchase, confirmed by Stripe."
        view! { <PurchasePage /> };
    Team => "Your team: its name, members, roles and invitations."
        view! { <TeamPage /> };
    Profile => "Your profile: name, email, password, two-factor sign-in, sessions, data export and account deletion."
        view! { <ProfilePage /> };
    Sso => "Single sign-on for your team: its identity provider and the email domains it owns."
        view! { <SsoPage /> };
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
