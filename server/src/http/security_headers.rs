//! Security headers on every response, pages and API alike.
//!
//! The Content-Security-Policy allows nothing from other origins. Scripts are our own
//! files plus, on server-rendered pages, the inline hydration and streaming scripts
//! Leptos writes with the page's nonce; WASM compiles under `wasm-unsafe-eval` (no
//! `unsafe-eval`). Styles allow inline attributes because the pages size bars and
//! charts with `style="width: …"`. Framing is refused everywhere (`frame-ancestors
//! 'none'`) until the embed feature opens it per agent.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Everything but scripts: the same for pages and every other response.
const BASE_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// A year, and subdomains: only sent when the deployment uses Secure cookies (HTTPS).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The policy with these script sources. (Always a valid header value: the sources
/// are ours and the nonce is base64.)
fn policy(script_src: &str) -> Option<HeaderValue> {
    HeaderValue::try_from(format!("{BASE_POLICY}; script-src {script_src}")).ok()
}

/// Called while a page renders (the Leptos request context): the page's policy admits
/// the inline scripts carrying this render's nonce.
pub fn allow_page_scripts() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    let value = policy(&format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"));
    if let (Some(response), Some(value)) = (response, value) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

pub async fn add(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Some(value) = policy("'self' 'wasm-unsafe-eval'")
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if state.config.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}
