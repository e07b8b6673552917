//! Errors in the dialect of the API a client thinks it is talking to. The rest of `/v1`
//! answers problem+json; the OpenAI-compatible endpoints answer as OpenAI does (status
//! codes and `{"error": {"message", "type", "param", "code"}}`), and `/v1/messages` as
//! Anthropic does (`{"type": "error", "error": {"type", "message"}}`), because SDKs
//! build their exception types from exactly that: a 422 is not a `BadRequestError`,
//! and a missing `code` leaves `e.code` empty.
//!
//! Every error of the API is a [`Problem`](super::Problem), wherever it is raised (the
//! NUL guard, the key check, the rate limiter, the body parser, the handler); each
//! leaves a [`ProblemParts`] in its response's extensions, and
//! [`speak_the_callers_dialect`], a layer outside all of those, rewrites them on the
//! endpoints that have a dialect of their own.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

/// What a problem says, kept beside its problem+json body for the rewrite.
#[derive(Debug, Clone)]
pub struct ProblemParts {
    pub slug: &'static str,
    /// A specific machine-readable reason, where the slug is too broad (`invalid` →
    /// `unknown_parameter`).
    pub code: Option<&'static str>,
    /// The message a person reads: the first field's message, or the detail.
    pub message: String,
    /// The request field at fault, when one is.
    pub param: Option<String>,
}

/// The endpoints that speak OpenAI's dialect (paths inside `/v1`).
fn speaks_openai(path: &str) -> bool {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    matches!(path, "/chat/completions" | "/embeddings" | "/models") || path.starts_with("/models/")
}

/// A dialect's status and body for one of our problems.
type Rewrite = fn(StatusCode, &ProblemParts) -> (StatusCode, serde_json::Value);

/// The endpoint that speaks Anthropic's dialect.
fn speaks_anthropic(path: &str) -> bool {
    path.strip_prefix("/v1").unwrap_or(path) == "/messages"
}

pub async fn speak_the_callers_dialect(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let dialect: Option<Rewrite> = if speaks_openai(path) {
        Some(openai_error)
    } else if speaks_anthropic(path) {
        Some(anthropic_error)
    } else {
        None
    };
    let response = next.run(request).await;
    let Some(dialect) = dialect else {
        return response;
    };
    let Some(problem) = response.extensions().get::<ProblemParts>().cloned() else {
        return response;
    };
    let (mut head, _) = response.into_parts();
    let (status, body) = dialect(head.status, &problem);
    head.status = status;
    head.headers.remove(header::CONTENT_LENGTH);
    head.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(head, Body::from(body.to_string()))
}

/// OpenAI's status, `type` and `code` for one of our problems.
fn openai_error(status: StatusCode, problem: &ProblemParts) -> (StatusCode, serde_json::Value) {
    let (status, kind, code) = match (status.as_u16(), problem.slug) {
        // A spent key budget is OpenAI's "you exceeded your current quota".
        (_, "budget-exceeded" | "quota-exceeded") => (
            StatusCode::TOO_MANY_REQUESTS,
            "insufficient_quota",
            "insufficient_quota",
        ),
        (429, _) => (
            StatusCode::TOO_MANY_REQUESTS,
            "requests",
            "rate_limit_exceeded",
        ),
        (401, _) => (
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "invalid_api_key",
        ),
        (403, _) => (
            StatusCode::FORBIDDEN,
            "permission_error",
            "permission_denied",
        ),
        (404, "model-not-found") => (
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "model_not_found",
        ),
        (404, _) => (StatusCode::NOT_FOUND, "invalid_request_error", "not_found"),
        (409, _) => (StatusCode::CONFLICT, "invalid_request_error", "conflict"),
        (413, _) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "request_too_large",
        ),
        // Every other refusal of what was sent: invalid (422), not JSON (400, 415) …
        (400..=499, "invalid" | "bad-body") => (
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "invalid_value",
        ),
        // … or refused by every provider (`provider-refused`).
        (400..=499, _) => (StatusCode::BAD_REQUEST, "invalid_request_error", ""),
        (503, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "service_unavailable",
        ),
        (502, _) => (StatusCode::BAD_GATEWAY, "upstream_error", "upstream_failed"),
        _ => (status, "server_error", "internal_error"),
    };
    // Without a code of OpenAI's, the problem's own slug, in OpenAI's spelling.
    let code = match (problem.code, code) {
        (Some(code), _) => code.to_string(),
        (None, "") => problem.slug.replace('-', "_"),
        (None, code) => code.to_string(),
    };
    let body = json!({"error": {
        "message": problem.message,
        "type": kind,
        "param": problem.param,
        "code": code,
    }});
    (status, body)
}

/// Anthropic's status and error `type` for one of our problems: `{"type": "error",
/// "error": {"type", "message"}}`.
fn anthropic_error(status: StatusCode, problem: &ProblemParts) -> (StatusCode, serde_json::Value) {
    let (status, kind) = match (status.as_u16(), problem.slug) {
        (_, "budget-exceeded" | "quota-exceeded") | (429, _) => {
            (StatusCode::TOO_MANY_REQUESTS, "rate_limit_error")
        }
        (401, _) => (StatusCode::UNAUTHORIZED, "authentication_error"),
        (403, _) => (StatusCode::FORBIDDEN, "permission_error"),
        (404, _) => (StatusCode::NOT_FOUND, "not_found_error"),
        (413, _) => (StatusCode::PAYLOAD_TOO_LARGE, "request_too_large"),
        (409, _) => (StatusCode::CONFLICT, "invalid_request_error"),
        (400..=499, _) => (StatusCode::BAD_REQUEST, "invalid_request_error"),
        (503, _) => (StatusCode::SERVICE_UNAVAILABLE, "overloaded_error"),
        _ => (status, "api_error"),
    };
    let message = match &problem.param {
        Some(param) => format!("{param}: {}", problem.message),
        None => problem.message.clone(),
    };
    let body = json!({"type": "error", "error": {"type": kind, "message": message}});
    (status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(slug: &'static str, param: Option<&str>) -> ProblemParts {
        ProblemParts {
            slug,
            code: None,
            message: "m".into(),
            param: param.map(str::to_string),
        }
    }

    #[test]
    fn only_the_openai_endpoints_are_rewritten() {
        assert!(speaks_openai("/chat/completions"));
        assert!(speaks_openai("/v1/chat/completions"));
        assert!(speaks_openai("/models/demo-fast"));
        assert!(!speaks_openai("/agents"));
        assert!(!speaks_openai("/v1/runs/1"));
        assert!(speaks_anthropic("/v1/messages") && !speaks_openai("/v1/messages"));
    }

    #[test]
    fn anthropic_errors_have_anthropics_types() {
        let (status, body) = anthropic_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &parts("invalid", Some("max_tokens")),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["type"], "error");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["message"], "max_tokens: m");
        let (status, body) =
            anthropic_error(StatusCode::UNAUTHORIZED, &parts("unauthenticated", None));
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["type"], "authentication_error");
    }

    #[test]
    fn statuses_and_codes_are_openais() {
        let (status, body) = openai_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &parts("invalid", Some("temperature")),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["param"], "temperature");
        assert_eq!(body["error"]["code"], "invalid_value");

        let (status, body) = openai_error(
            StatusCode::PAYMENT_REQUIRED,
            &parts("budget-exceeded", None),
        );
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["error"]["code"], "insufficient_quota");
        assert_eq!(body["error"]["param"], serde_json::Value::Null);

        let (status, body) = openai_error(
            StatusCode::NOT_FOUND,
            &parts("model-not-found", Some("model")),
        );
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "model_not_found");

        let unknown = ProblemParts {
            code: Some("unknown_parameter"),
            ..parts("invalid", Some("bogus"))
        };
        let (_, body) = openai_error(StatusCode::UNPROCESSABLE_ENTITY, &unknown);
        assert_eq!(body["error"]["code"], "unknown_parameter");

        let (status, body) =
            openai_error(StatusCode::BAD_REQUEST, &parts("provider-refused", None));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "provider_refused");
    }
}
