//! GitHub's API, as far as sign-in reads it: who the access token belongs to, and their
//! addresses (primary, and whether GitHub verified them).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::flow::Provider;
use crate::keys::sha256;

fn unauthorised() -> Response {
    let body = json!({ "message": "Bad credentials" });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

pub async fn user(State(provider): State<Arc<Provider>>, headers: HeaderMap) -> Response {
    let Some(person) = provider.bearer(&headers) else {
        return unauthorised();
    };
    // A stable numeric id per address, as GitHub's ids are numbers.
    let digest = sha256(&person.email.to_lowercase());
    let id = digest
        .iter()
        .take(6)
        .fold(0u64, |id, byte| id << 8 | u64::from(*byte));
    let login = person
        .email
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    Json(json!({ "id": id, "login": login, "name": person.name })).into_response()
}

pub async fn emails(State(provider): State<Arc<Provider>>, headers: HeaderMap) -> Response {
    let Some(person) = provider.bearer(&headers) else {
        return unauthorised();
    };
    Json(json!([{
        "email": person.email,
        "primary": true,
        "verified": person.email_verified,
        "visibility": "private",
    }]))
    .into_response()
}
