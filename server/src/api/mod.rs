//! The public REST API, `/v1`: the same operations as the web app, through the same
//! application interface, with API-key auth and problem+json errors. Handlers parse,
//! call and map; nothing here decides anything the web app decides differently.

mod account;
mod agents;
mod auth;
mod compat_errors;
mod conversations;
mod extract;
mod gateway;
mod gateway_agents;
mod gateway_stream;
mod idempotency;
mod knowledge;
mod limits;
mod messages;
pub mod openapi;
mod problem;
mod providers;
pub mod responses;
mod runs;
mod shares;
mod templates;
mod webhooks;

use app::api_keys::Scope;
use axum::http::StatusCode;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use axum::{Router, middleware};

use crate::state::AppState;
pub use compat_errors::speak_the_callers_dialect;
pub(crate) use knowledge::read_upload;
pub use problem::Problem;

/// The `/v1` routes. Every request is identified, then rate-limited, then refused
/// unless it has a caller or is one of the few public reads, then answered; a POST
/// goes through [`once`], which de-duplicates it by its `Idempotency-Key`.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/agents",
            get(agents::list).merge(once(state, Scope::Admin, post(agents::create))),
        )
        .route("/agents/{id}", get(agents::get).put(agents::update))
        .route("/agents/{id}/versions", get(agents::versions))
        .route(
            "/agents/{id}/archive",
            once(state, Scope::Admin, post(agents::archive)),
        )
        .route(
            "/agents/{id}/runs",
            get(runs::list).merge(once(state, Scope::Run, post(runs::start))),
        )
        .route(
            "/agents/{id}/conversations",
            get(conversations::list).merge(once(state, Scope::Run, post(conversations::start))),
        )
        .route(
            "/conversations/{id}",
            get(conversations::get).merge(patch(conversations::change)),
        )
        .route(
            "/conversations/{id}/messages",
            get(conversations::messages).merge(once(state, Scope::Run, post(conversations::say))),
        )
        .route(
            "/agents/{id}/share",
            get(shares::get).merge(put(shares::set)),
        )
        .route(
            "/agents/{id}/share/rotate",
            once(state, Scope::Admin, post(shares::rotate)),
        )
        .route(
            "/agents/{id}/share/embed-secret/rotate",
            once(state, Scope::Admin, post(shares::rotate_embed_secret)),
        )
        .route(
            "/conversations/{id}/regenerate",
            once(state, Scope::Run, post(conversations::regenerate)),
        )
        .route("/runs/{id}", get(runs::get))
        .route("/runs/{id}/events", get(runs::events))
        .route(
            "/runs/{id}/cancel",
            once(state, Scope::Run, post(runs::cancel)),
        )
        .route("/templates", get(templates::list))
        .route("/templates/{slug}", get(templates::get))
        .route(
            "/templates/{id}/deploy",
            once(state, Scope::Admin, post(templates::deploy)),
        )
        .route(
            "/api-keys",
            get(account::list_keys).merge(once(state, Scope::Admin, post(account::create_key))),
        )
        .route("/api-keys/{id}", delete(account::revoke_key))
        .route("/usage", get(account::usage))
        .route("/usage/end-users", get(shares::end_users))
        .route(
            "/knowledge-bases",
            get(knowledge::list).merge(once(state, Scope::Run, post(knowledge::create))),
        )
        .route(
            "/knowledge-bases/{id}",
            get(knowledge::get)
                .patch(knowledge::update)
                .delete(knowledge::delete),
        )
        .route(
            "/knowledge-bases/{id}/documents",
            // The body's cap is the upload's (`http::body_limit`), not axum's 2 MB.
            get(knowledge::documents)
                .post(knowledge::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/knowledge-bases/{id}/documents/import",
            post(knowledge::import),
        )
        .route(
            "/knowledge-bases/{id}/documents/{document_id}",
            get(knowledge::document).delete(knowledge::delete_document),
        )
        .route(
            "/knowledge-bases/{id}/documents/{document_id}/reindex",
            once(state, Scope::Run, post(knowledge::reindex)),
        )
        .route(
            "/knowledge-bases/{id}/documents/{document_id}/chunks",
            get(knowledge::chunks),
        )
        .route("/knowledge-bases/{id}/search", post(knowledge::search))
        .route("/providers", get(providers::list))
        .route("/providers/order", put(providers::set_order))
        .route(
            "/webhooks",
            get(webhooks::list).merge(once(state, Scope::Admin, post(webhooks::create))),
        )
        .route(
            "/webhooks/{id}",
            put(webhooks::update).delete(webhooks::delete),
        )
        .route(
            "/webhooks/{id}/test",
            once(state, Scope::Admin, post(webhooks::test)),
        )
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/resend",
            once(state, Scope::Admin, post(webhooks::resend)),
        )
        .route(
            "/chat/completions",
            once(state, Scope::Run, post(gateway::chat_completions)),
        )
        .route(
            "/embeddings",
            once(state, Scope::Run, post(gateway::embeddings)),
        )
        .route("/messages", once(state, Scope::Run, post(messages::create)))
        .route("/models", get(gateway::models))
        .route("/models/{*model}", get(gateway::model))
        .route("/openapi.json", get(openapi::json))
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "No such API endpoint.",
            )
        })
        .layer(middleware::from_fn(auth::require_caller))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
}

/// A POST operation that needs `scope`, answered at most once per `Idempotency-Key`
/// and caller. The scope is declared here, beside the route, so that the replay is
/// authorised exactly as the handler authorises (the handler checks it too).
fn once(
    state: &AppState,
    scope: Scope,
    operation: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    operation.layer(middleware::from_fn_with_state(
        (state.clone(), scope),
        idempotency::idempotent,
    ))
}
