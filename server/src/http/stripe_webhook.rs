//! `POST /webhooks/stripe`: Stripe's events, verified over the raw body before anything
//! is read from it. 400 for a bad signature or body (Stripe shows it on the endpoint),
//! 200 once handled or seen before, 500 when the database failed (Stripe retries).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::billing::events::Event;
use crate::billing::signature;
use crate::billing::webhook::{self, Outcome};
use crate::state::AppState;

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.config.stripe.webhook_secret else {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "STRIPE_WEBHOOK_SECRET is not set",
        );
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    if let Err(error) = signature::verify(header, &body, secret.expose(), now) {
        tracing::warn!(%error, "stripe webhook refused");
        return answer(StatusCode::BAD_REQUEST, &error.to_string());
    }
    let event: Event = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(error) => {
            return answer(
                StatusCode::BAD_REQUEST,
                &format!("not a Stripe event: {error}"),
            );
        }
    };
    match webhook::process(&state.db, &event).await {
        Ok(outcome) => {
            tracing::info!(event = %event.id, kind = %event.kind, ?outcome, "stripe event");
            if matches!(outcome, Outcome::Applied(_)) {
                // Sales and plans change what the marketplace shows.
                crate::marketplace::invalidate(&state.redis).await;
            }
            (StatusCode::OK, axum::Json(json!({ "received": true }))).into_response()
        }
        Err(error) => {
            tracing::error!(%error, event = %event.id, "stripe event not applied; Stripe will retry");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "not applied; retry")
        }
    }
}

fn answer(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
