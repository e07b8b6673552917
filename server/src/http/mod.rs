//! The HTTP surface: operational endpoints, the server-rendered pages, static files,
//! and the middleware every request passes through.

mod api_docs;
mod body_limit;
mod downloads;
mod embed;
pub(crate) mod guard;
mod health;
mod identity_sign_in;
mod knowledge_upload;
mod nul_guard;
mod observe;
pub mod run_events;
mod security_headers;
mod stripe_webhook;
mod team_sso_sign_in;

use std::sync::{Arc, OnceLock};

use app::backend::{
    SharedAccounts, SharedAgents, SharedApiKeys, SharedBilling, SharedConversations,
    SharedDashboards, SharedKnowledge, SharedMarketplace, SharedProviders, SharedShares,
    SharedTeamSso, SharedTeams, SharedTwoFactor, SharedWebhooks,
};
use app::{App, shell};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use tower_http::timeout::TimeoutLayer;

use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What a worker process serves: the probes and its metrics, nothing a user reaches.
pub fn probes(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::live))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .with_state(state)
}

/// The app's page routes, worked out once per process. While Leptos works them out it
/// holds back every resource's first load process-wide, and a resource first polled in
/// that moment never loads (leptos#4773): a page rendering in another server of the
/// same process — the API tests run one per test — would hang until the request
/// timeout (the tests' rare 408s on signed-in pages).
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let leptos_options = state.leptos_options.clone();
    let page_routes = page_routes();
    let timeout = state.config.request_timeout;
    let max_body = state.config.max_body_bytes;

    // Server functions reach the application through this, never through AppState.
    let backend: SharedAccounts = state.accounts.clone();
    let teams: SharedTeams = state.teams.clone();
    let providers: SharedProviders = state.team_keys.clone();
    let agents: SharedAgents = state.agents.clone();
    let api_keys: SharedApiKeys = state.api_keys.clone();
    let webhooks: SharedWebhooks = state.webhooks.clone();
    let dashboards: SharedDashboards = state.dashboards.clone();
    let marketplace: SharedMarketplace = state.marketplace.clone();
    let billing: SharedBilling = state.billing.clone();
    let two_factor: SharedTwoFactor = state.accounts.clone();
    let team_sso: SharedTeamSso = state.team_sso.clone();
    let conversations: SharedConversations = state.conversations.clone();
    let shares: SharedShares = state.shares.clone();
    let knowledge: SharedKnowledge = state.knowledge.clone();
    let provide_backend = move || {
        leptos::prelude::provide_context(Arc::clone(&backend));
        leptos::prelude::provide_context(Arc::clone(&teams));
        leptos::prelude::provide_context(Arc::clone(&providers));
        leptos::prelude::provide_context(Arc::clone(&agents));
        leptos::prelude::provide_context(Arc::clone(&api_keys));
        leptos::prelude::provide_context(Arc::clone(&webhooks));
        leptos::prelude::provide_context(Arc::clone(&dashboards));
        leptos::prelude::provide_context(Arc::clone(&marketplace));
        leptos::prelude::provide_context(Arc::clone(&billing));
        leptos::prelude::provide_context(Arc::clone(&two_factor));
        leptos::prelude::provide_context(Arc::clone(&team_sso));
        leptos::prelude::provide_context(Arc::clone(&conversations));
        leptos::prelude::provide_context(Arc::clone(&shares));
        leptos::prelude::provide_context(Arc::clone(&knowledge));
        security_headers::use_page_nonce();
    };
    let pages = Router::new()
        .leptos_routes_with_context(&state, page_routes, provide_backend.clone(), move || {
            shell(leptos_options.clone())
        })
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_session,
        ));

    Router::new()
        .route("/health", get(health::live))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/settings/profile/export", get(downloads::account))
        .route("/conversations/{id}/export", get(downloads::conversation))
        .route(
            "/knowledge/{id}/upload",
            post(knowledge_upload::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/auth/{provider}/start", get(identity_sign_in::start))
        .route("/auth/{provider}/callback", get(identity_sign_in::callback))
        .route("/sso/start", get(team_sso_sign_in::by_email))
        .route("/sso/{team}", get(team_sso_sign_in::by_team))
        .route("/sso/{team}/callback", get(team_sso_sign_in::callback))
        .route("/docs/api", get(api_docs::page))
        .route("/api/runs/{id}/events", get(run_events::run_events))
        .route(
            "/c/{token}/runs/{run}/events",
            get(run_events::visitor_run_events),
        )
        .route("/embed.js", get(embed::script))
        .route("/c/{token}/embed.json", get(embed::config))
        .route("/webhooks/stripe", post(stripe_webhook::receive))
        // The client's files, answering revalidations with 304 and sending a file's
        // precompressed `.br` / `.gz` copy when the release bundle has one.
        .nest_service("/pkg", client_files(&state.leptos_options))
        .nest("/v1", crate::api::router(&state))
        .merge(pages)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_backend, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            nul_guard::refuse_nul,
        ))
        // Outside every layer that can refuse an API request, so all their refusals
        // reach OpenAI-format clients in OpenAI's format.
        .layer(axum::middleware::from_fn(
            crate::api::speak_the_callers_dialect,
        ))
        .layer(axum::middleware::from_fn(guard::same_origin))
        .layer(axum::middleware::from_fn(guard::client_info))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::record,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(observe::trace_layer())
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                // Outside the panic, size and time limits, so their answers have them too.
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    security_headers::add,
                ))
                .layer(CatchPanicLayer::custom(panicked))
                .layer(axum::middleware::from_fn_with_state(
                    max_body,
                    body_limit::limit,
                ))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(CompressionLayer::new()),
        )
        .with_state(state)
}

/// A handler that panicked answers 500 like any internal error, and only its own
/// request fails: the connection, the worker thread and every other request go on.
/// The built client (`<site root>/<pkg dir>`). Its files keep their names from one
/// release to the next, and a page's islands must meet the code of the same release:
/// the browser asks again each time (`no-cache`: a 304 when nothing changed) instead of
/// guessing how long a copy stays good.
fn client_files(
    options: &leptos::config::LeptosOptions,
) -> SetResponseHeader<ServeDir, HeaderValue> {
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    SetResponseHeader::overriding(
        ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    )
}

fn panicked(payload: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    axum::response::IntoResponse::into_response(crate::api::Problem::from(
        app::error::AppError::Internal,
    ))
}
