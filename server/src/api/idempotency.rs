//! `Idempotency-Key` on POST: a retry by the same caller gets the first response
//! (marked `Idempotent-Replayed: true`) and creates nothing twice; the same key with
//! another body is 422; a retry while the first is still running is 409. Failures on
//! our side (5xx) free the key, so the retry is answered afresh; so does a server dying
//! mid-answer, once the hold it stopped renewing lapses. Authorisation comes first: a
//! replay is only ever given to a caller the operation would admit now.

use app::api_keys::Scope;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::auth::Identity;
use super::problem::Problem;
use crate::idempotency::{self, Claim, StoredResponse};
use crate::state::AppState;

const HEADER: &str = "idempotency-key";
/// The most of a response kept for replay; larger answers are not replayable.
const MAX_STORED: usize = 1024 * 1024;

/// What to replay instead of the response itself, for answers that cannot be stored as
/// they are (an event stream): a handler puts this in the response's extensions.
#[derive(Clone)]
pub struct ReplayAs {
    pub status: StatusCode,
    pub json: serde_json::Value,
}

/// Wraps one POST operation that needs `scope` (see [`super::once`]). A caller the
/// operation would refuse is never answered from a record: the request goes to the
/// handler, which refuses it, and nothing is kept.
pub async fn idempotent(
    State((state, scope)): State<(AppState, Scope)>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let Some(key) = key
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()))
        .map(str::to_owned)
    else {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-idempotency-key",
            "Invalid Idempotency-Key",
            "An Idempotency-Key is 1 to 255 visible ASCII characters (a UUID is a good choice).",
        )
        .into_response();
    };
    let Some(Identity::Caller(caller)) = request.extensions().get::<Identity>().cloned() else {
        return next.run(request).await;
    };
    if !caller.permits(scope) {
        return next.run(request).await;
    }
    let keys = &state.config.engine.keyring;
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
        return Problem::body_too_large().into_response();
    };
    let fingerprint = Sha256::new()
        .chain_update(parts.method.as_str())
        .chain_update(b" ")
        .chain_update(parts.uri.to_string())
        .chain_update(b"\n")
        .chain_update(&bytes)
        .finalize()
        .to_vec();
    match idempotency::claim(&state.db, keys, &caller.actor, &key, &fingerprint).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Replay(stored)) => return replay(stored),
        Ok(Claim::Unreadable) => {
            return Problem::new(
                StatusCode::CONFLICT,
                "idempotency-unreadable",
                "Answer no longer available",
                "This Idempotency-Key was answered, but the stored answer can no longer be read (the server's secrets key changed). Use a new key.",
            )
            .into_response();
        }
        Ok(Claim::Mismatch) => {
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was used with a different request. Use a new key for a new request.",
            )
            .into_response();
        }
        Ok(Claim::InProgress) => {
            let mut response = Problem::new(
                StatusCode::CONFLICT,
                "idempotency-in-progress",
                "Request in progress",
                "The first request with this Idempotency-Key is still being answered; retry shortly.",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Err(error) => {
            tracing::error!(%error, "idempotency store unavailable");
            return Problem::from(app::error::AppError::Unavailable(
                "Requests with an Idempotency-Key cannot be taken right now; retry shortly.".into(),
            ))
            .into_response();
        }
    }
    let answer = next.run(Request::from_parts(parts, Body::from(bytes)));
    let response = holding(&state, &caller.actor, &key, answer).await;
    let (response, stored) = keep(response).await;
    let outcome = match stored {
        Some(stored) => idempotency::complete(&state.db, keys, &caller.actor, &key, &stored).await,
        None => idempotency::release(&state.db, &caller.actor, &key).await,
    };
    if let Err(error) = outcome {
        tracing::error!(%error, "could not record an idempotent response");
    }
    response
}

/// Awaits the answer while renewing the key's hold, so retries wait for it as long as
/// this server is alive to answer, and no longer.
async fn holding(
    state: &AppState,
    actor: &app::backend::Actor,
    key: &str,
    answer: impl Future<Output = Response>,
) -> Response {
    let renewing = async {
        loop {
            tokio::time::sleep(idempotency::RENEW_EVERY).await;
            if let Err(error) = idempotency::renew(&state.db, actor, key).await {
                tracing::warn!(%error, "could not renew an idempotency key's hold");
            }
        }
    };
    tokio::select! {
        response = answer => response,
        () = renewing => unreachable!("the renewal loop never ends"),
    }
}

/// The response to send now, and what to replay later (`None`: do not keep the key).
async fn keep(response: Response) -> (Response, Option<StoredResponse>) {
    if response.status().is_server_error() {
        return (response, None);
    }
    if let Some(replay) = response.extensions().get::<ReplayAs>() {
        let stored = StoredResponse {
            status: replay.status.as_u16(),
            content_type: Some("application/json".into()),
            body: replay.json.to_string().into_bytes(),
        };
        return (response, Some(stored));
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_json = content_type.as_deref().is_some_and(|t| t.contains("json"));
    if !is_json {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    match to_bytes(body, MAX_STORED).await {
        Ok(bytes) => {
            let stored = StoredResponse {
                status: parts.status.as_u16(),
                content_type,
                body: bytes.to_vec(),
            };
            (Response::from_parts(parts, Body::from(bytes)), Some(stored))
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR.into_response(), None),
    }
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    if let Some(value) = stored
        .content_type
        .and_then(|t| HeaderValue::from_str(&t).ok())
    {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
