//! Azure OpenAI's variant of the OpenAI format: one URL per deployment
//! (`/openai/deployments/{deployment}/chat/completions`), an `api-version` query that
//! must be there (Azure answers 404 without it), and the key in an `api-key` header
//! (accepted everywhere, see `openai::presented_key`). The bodies are OpenAI's.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Json, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

use crate::exchange::{self, Wire};
use crate::openai::OpenAi;
use crate::state::Shared;
use crate::{embeddings, openai};

pub(crate) async fn chat(
    shared: State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    match unversioned(&uri) {
        Some(refusal) => refusal,
        None => exchange::exchange::<OpenAi>(shared, uri, headers, raw).await,
    }
}

pub(crate) async fn embed(
    shared: State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Json<Value>,
) -> Response {
    match unversioned(&uri) {
        Some(refusal) => refusal,
        None => embeddings::embeddings(shared, uri, headers, body).await,
    }
}

pub(crate) async fn models(shared: State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    match unversioned(&uri) {
        Some(refusal) => refusal,
        None => openai::models(shared, uri, headers).await,
    }
}

/// Azure's answer to a call without an `api-version`, if this is one.
fn unversioned(uri: &Uri) -> Option<Response> {
    let given = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .any(|pair| pair.starts_with("api-version=") && pair.len() > "api-version=".len());
    (!given).then(|| {
        OpenAi::error(
            StatusCode::NOT_FOUND,
            "Resource not found: the api-version query parameter is missing.",
        )
    })
}
