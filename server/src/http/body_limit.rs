//! Request bodies are capped at `MAX_BODY_BYTES`, except a document upload to a
//! knowledge base, which may carry a document of up to `MAX_DOCUMENT_BYTES` and its
//! form's envelope. A declared length over the cap is refused before anything is read;
//! a body that grows past it fails its extractor with 413 as it is read.

use app::knowledge::MAX_DOCUMENT_BYTES;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Room for a multipart form's boundaries, headers and other fields.
const ENVELOPE: usize = 64 * 1024;

pub async fn limit(State(max_body): State<usize>, request: Request, next: Next) -> Response {
    let limit = if is_upload(request.method(), request.uri().path()) {
        MAX_DOCUMENT_BYTES + ENVELOPE
    } else {
        max_body
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "length limit exceeded",
        )
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, limited)).await
}

/// `POST /v1/knowledge-bases/{id}/documents`, and the knowledge page's upload form.
fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST
        && ((path.starts_with("/v1/knowledge-bases/") && path.ends_with("/documents"))
            || (path.starts_with("/knowledge/") && path.ends_with("/upload")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uploads_get_the_larger_cap() {
        assert!(is_upload(&Method::POST, "/v1/knowledge-bases/x/documents"));
        assert!(is_upload(&Method::POST, "/knowledge/x/upload"));
        assert!(!is_upload(&Method::GET, "/v1/knowledge-bases/x/documents"));
        assert!(!is_upload(&Method::POST, "/v1/knowledge-bases/x/search"));
        assert!(!is_upload(&Method::POST, "/v1/agents"));
    }
}
