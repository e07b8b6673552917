//! Who may reach what. Pages need a session except for an explicit public list (deny
//! by default: `app::PUBLIC_PAGES`, beside the route table); server functions check for themselves, since signing in must work
//! without one. Every state-changing request must come from our own pages (CSRF).

use app::backend::ClientInfo;
use app::backend::session_cookie;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

use crate::state::AppState;

pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if app::PUBLIC_PAGES.contains(&path)
        || path.starts_with("/invite/")
        || path.starts_with("/c/")
        || path.starts_with("/api/")
    {
        return next.run(request).await;
    }
    let token = cookie_token(request.headers());
    let session = match token {
        Some(token) => state.accounts.session(&token).await,
        None => Ok(None),
    };
    match session {
        Ok(Some(_)) => next.run(request).await,
        Ok(None) => {
            let target = request
                .uri()
                .path_and_query()
                .map_or(path, |pq| pq.as_str());
            Redirect::to(&format!("/signin?next={}", encode_component(target))).into_response()
        }
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response(),
    }
}

/// Refuses cross-site state changes. Browsers send `Origin` (or `Sec-Fetch-Site`) on
/// every POST; a request carrying our session cookie must prove it came from our own
/// origin. Safe methods and cookie-less callers (API clients) pass.
pub async fn same_origin(request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && !from_our_origin(request.headers()) {
        let has_session = cookie_token(request.headers()).is_some();
        let cross_site_origin = request.headers().contains_key(header::ORIGIN);
        if has_session || cross_site_origin {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    next.run(request).await
}

fn from_our_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }
        _ => false,
    }
}

/// Records the caller's address and user agent for the application layer.
pub async fn client_info(mut request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect());
    request
        .extensions_mut()
        .insert(ClientInfo { ip, user_agent });
    next.run(request).await
}

/// The session token in a request's cookies.
pub fn cookie_token(headers: &HeaderMap) -> Option<app::backend::SessionToken> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session_cookie::from_header)
}

fn encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_is_recognised() {
        assert!(from_our_origin(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(from_our_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!from_our_origin(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!from_our_origin(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!from_our_origin(&headers(&[("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn next_parameter_is_encoded() {
        assert_eq!(
            encode_component("/agents?q=a b&x=1"),
            "/agents%3Fq%3Da%20b%26x%3D1"
        );
    }
}
