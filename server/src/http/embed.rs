//! The chat widget for other sites: its script (`/embed.js`, small and dependency-free,
//! so a page pays a few kilobytes until its visitor opens the bubble), and its first
//! request, `GET /c/{token}/embed.json`, which answers a page of an allowed site with
//! CORS and every other one with a 403 without it: the widget then shows nothing.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

const SCRIPT: &str = include_str!("../../assets/embed.js");

/// Sites fetch it on every page view: cached briefly, so a fix reaches them soon.
pub async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        SCRIPT,
    )
        .into_response()
}

pub async fn config(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    let mut response = match state.shares.embed_config(&token, origin).await {
        Ok(config) => axum::Json(config).into_response(),
        Err(error) => {
            let error = app::error::AppError::from(error);
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, "This site may not embed this chat.").into_response();
        }
    };
    let headers = response.headers_mut();
    if let Some(origin) = origin.and_then(|origin| HeaderValue::from_str(origin).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
