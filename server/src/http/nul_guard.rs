//! PostgreSQL refuses the NUL character in text (and in jsonb), so a NUL that reached a
//! query was a 500. It is refused here, at the edge, for every request: in the query
//! string (`%00`), and in JSON (`\u0000`) and form (`%00`) bodies. The answer is a 422
//! in the format of the endpoint (problem+json for the API, the application error for
//! server functions), and nothing is changed.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

use crate::api::Problem;
use crate::state::AppState;

const MESSAGE: &str = "Text may not contain the NUL character (U+0000).";

pub async fn refuse_nul(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let server_fn = request.uri().path().starts_with("/api/");
    if request.uri().query().is_some_and(|q| q.contains("%00")) {
        return refused(server_fn);
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let json = content_type.contains("json");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
        return Problem::body_too_large().into_response();
    };
    let has_nul = bytes.contains(&0)
        || (form && contains(&bytes, b"%00"))
        || (json && json_escapes_nul(&bytes));
    if has_nul {
        return refused(server_fn);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn refused(server_fn: bool) -> Response {
    let error = AppError::invalid("text", MESSAGE);
    if server_fn {
        (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(error)).into_response()
    } else {
        Problem::from(error).into_response()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A `\u0000` escape whose backslash is not itself escaped (`\\u0000` is the text
/// "\u0000", which is fine).
fn json_escapes_nul(body: &[u8]) -> bool {
    body.windows(6).enumerate().any(|(at, w)| {
        w.eq_ignore_ascii_case(b"\\u0000")
            && body[..at].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

#[cfg(test)]
mod tests {
    use super::json_escapes_nul;

    #[test]
    fn finds_escaped_nul_but_not_the_escaped_text_of_one() {
        assert!(json_escapes_nul(br#"{"name": "a\u0000b"}"#));
        assert!(!json_escapes_nul(br#"{"name": "a\\u0000b"}"#));
        assert!(json_escapes_nul(br#"{"name": "a\\\u0000b"}"#));
        assert!(!json_escapes_nul(br#"{"name": "plain"}"#));
    }
}
