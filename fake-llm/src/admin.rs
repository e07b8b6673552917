//! `/_fake/…`: control endpoints for tests and demos that cannot reach the Rust API, such
//! as browser end-to-end tests driving a separately started binary.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::behaviour::Behaviour;
use crate::state::{RecordedRequest, Shared};

/// `POST /_fake/script`: queues one behaviour or an array of them, answering with the queue
/// length.
pub(crate) async fn push_script(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    // Deciding by the JSON's shape (rather than an untagged enum) keeps serde's error
    // message about the actual mistake.
    let parsed = serde_json::from_slice::<Value>(&body).and_then(|value| match value {
        Value::Array(_) => serde_json::from_value::<Vec<Behaviour>>(value),
        one => serde_json::from_value::<Behaviour>(one).map(|behaviour| vec![behaviour]),
    });
    match parsed {
        Ok(script) => Json(json!({"queued": shared.push_script(script)})).into_response(),
        Err(error) => {
            let message = format!("expected a Behaviour or an array of them: {error}");
            (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
        }
    }
}

/// `DELETE /_fake/script`: forgets every queued behaviour.
pub(crate) async fn clear_script(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_script();
    StatusCode::NO_CONTENT
}

/// `GET /_fake/requests`: the recorded provider requests, oldest first.
pub(crate) async fn requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RecordedRequest>> {
    Json(shared.requests())
}
