//! The public REST API, `/v1`: the same operations as the web app, through the same
//! application interface, with API-key auth and problem+json errors. Handlers parse,
//! call and map; nothing here decides anything the web app decides differently.

mod account;
mod agents;
mod auth;
mod body;
mod gateway;
mod idempotency;
mod limits;
pub mod openapi;
mod problem;
mod runs;
mod templates;
mod webhooks;

use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Router, middleware};

use crate::state::AppState;
pub use problem::Problem;

/// The `/v1` routes. Every request is identified, then rate-limited, then (a POST with
/// an `Idempotency-Key`) de-duplicated, then answered.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/agents", get(agents::list).post(agents::create))
        .route("/agents/{id}", get(agents::get).put(agents::update))
        .route("/agents/{id}/versions", get(agents::versions))
        .route("/agents/{id}/archive", post(agents::archive))
        .route("/agents/{id}/runs", get(runs::list).post(runs::start))
        .route("/runs/{id}", get(runs::get))
        .route("/runs/{id}/events", get(runs::events))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .route("/templates", get(templates::list))
        .route("/templates/{slug}", get(templates::get))
        .route("/templates/{id}/deploy", post(templates::deploy))
        .route(
            "/api-keys",
            get(account::list_keys).post(account::create_key),
        )
        .route("/api-keys/{id}", delete(account::revoke_key))
        .route("/usage", get(account::usage))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            put(webhooks::update).delete(webhooks::delete),
        )
        .route("/webhooks/{id}/test", post(webhooks::test))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/resend",
            post(webhooks::resend),
        )
        .route("/chat/completions", post(gateway::chat_completions))
        .route("/models", get(gateway::models))
        .route("/openapi.json", get(openapi::json))
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "No such API endpoint.",
            )
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
}
