//! The request/response cycle every provider shares: record, authenticate, decide, wait,
//! answer. What differs between them is behind [`Wire`].

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

use crate::behaviour::{Action, Answer};
use crate::conversation::Conversation;
use crate::decide;
use crate::state::{RecordedRequest, Shared};

/// One provider's wire format.
pub(crate) trait Wire {
    /// The API key the request presents, if any.
    fn presented_key(headers: &HeaderMap) -> Option<&str>;
    /// Whether the request passes authentication (Bedrock's is a signature of the
    /// whole request, not a key).
    fn authorized(
        shared: &Shared,
        _method: &str,
        _uri: &Uri,
        headers: &HeaderMap,
        _body: &[u8],
    ) -> bool {
        shared.authorized(Self::presented_key(headers))
    }
    /// The rejection, if any, for provider-specific header requirements beyond the key.
    fn reject_headers(_headers: &HeaderMap) -> Option<Response> {
        None
    }
    /// The request in the neutral shape, from its URL (Gemini's names the model and
    /// whether to stream) and its body.
    fn conversation(uri: &Uri, body: &Value) -> Conversation;
    /// An error response in the provider's format.
    fn error(status: StatusCode, message: &str) -> Response;
    /// A successful reply, streamed when the request asked for it.
    fn answer(
        shared: &Shared,
        conversation: &Conversation,
        body: &Value,
        answer: Answer,
    ) -> Response;
}

pub(crate) async fn exchange<W: Wire>(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let parsed = serde_json::from_slice::<Value>(&raw).ok();
    let authorized = W::authorized(&shared, "POST", &uri, &headers, &raw);
    shared.record(RecordedRequest {
        path: uri.path().to_owned(),
        body: parsed.clone().unwrap_or(Value::Null),
        authorized,
    });
    if shared.key_required() && !authorized {
        return W::error(StatusCode::UNAUTHORIZED, "Invalid API key provided.");
    }
    if let Some(response) = W::reject_headers(&headers) {
        return response;
    }
    let Some(body) = parsed.filter(Value::is_object) else {
        return W::error(
            StatusCode::BAD_REQUEST,
            "The request body is not a valid JSON object.",
        );
    };
    let conversation = W::conversation(&uri, &body);
    let plan = decide::decide(&shared, &conversation);

    let mut shutdown = shared.shutdown();
    let shutting_down = || {
        W::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The fake LLM is shutting down.",
        )
    };
    if !shutdown.sleep(plan.delay).await {
        return shutting_down();
    }
    match plan.action {
        Action::Hang => {
            shutdown.wait().await;
            shutting_down()
        }
        Action::Status {
            code,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            // Like some real gateways and proxies, a server error quotes the credential
            // it was sent: the client must not store or show that text as it is.
            let echoed = match W::presented_key(&headers) {
                Some(key) if code >= 500 => format!(" (upstream credential: Bearer {key})"),
                _ => String::new(),
            };
            let mut response = W::error(
                status,
                &format!("Simulated {code} error from the fake LLM.{echoed}"),
            );
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Action::Answer(answer) => W::answer(&shared, &conversation, &body, answer),
    }
}

/// A model-list request (`GET`), recorded: `Some` refusal, in the format's words, when
/// its credentials do not pass.
pub(crate) fn refuse_listing<W: Wire>(
    shared: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    (status, message): (StatusCode, &str),
) -> Option<Response> {
    let authorized = W::authorized(shared, "GET", uri, headers, b"");
    shared.record(RecordedRequest {
        path: uri.path().to_owned(),
        body: Value::Null,
        authorized,
    });
    (shared.key_required() && !authorized).then(|| W::error(status, message))
}

/// The value of a header, when present and text.
pub(crate) fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// A count for a JSON `max_tokens`-style field; absent or malformed means unlimited.
pub(crate) fn count_field(body: &Value, name: &str) -> Option<usize> {
    body.get(name)
        .and_then(Value::as_u64)
        .and_then(|count| usize::try_from(count).ok())
}
