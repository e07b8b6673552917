//! Security headers on every response, pages and API alike.
//!
//! The Content-Security-Policy allows nothing from other origins. Scripts are our own
//! files plus, on server-rendered pages, the inline hydration and streaming scripts
//! Leptos writes with the page's nonce; WASM compiles under `wasm-unsafe-eval` (no
//! `unsafe-eval`). Styles allow inline attributes because the pages size bars and
//! charts with `style="width: …"`. Framing is refused everywhere (`frame-ancestors
//! 'none'`) but on a share link's pages (`/c/<token>…`), which the sites the link lists
//! may frame (its embedded chat) and no other. Forms post to our own origin,
//! and to Stripe's hosted pages when Stripe is configured: a plain form post (no
//! JavaScript: most pages have no island) is redirected there for Checkout, the
//! billing portal and Connect onboarding, and `form-action` covers a submission's
//! redirects too. The single sign-on page's form goes on to a team's own identity
//! provider, wherever the team keeps it: that page's forms may end anywhere on the web.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::StripeSettings;
use crate::state::AppState;

/// Everything but scripts and form targets: the same for pages and every other response.
const BASE_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'self'";

/// Stripe's hosted pages (Checkout, the billing portal, Connect onboarding).
const STRIPE_PAGES: &str =
    "https://checkout.stripe.com https://billing.stripe.com https://connect.stripe.com";

/// A year, and subdomains: only sent when the deployment uses Secure cookies (HTTPS).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Where forms may post besides our own origin: Stripe's pages when Stripe is set up
/// (a test's fake Stripe serves them at its own address).
fn form_targets(stripe: &StripeSettings) -> String {
    if stripe.secret_key.is_none() {
        return String::new();
    }
    match url::Url::parse(&stripe.api_base) {
        Ok(api) if api.host_str() == Some("api.stripe.com") => STRIPE_PAGES.to_string(),
        Ok(api) => api.origin().ascii_serialization(),
        Err(_) => String::new(),
    }
}

/// The page whose form ends at a team's own provider (`/sso/start` redirects there).
const SSO_PAGE: &str = "/sso";

/// The policy with these script sources. (Always a valid header value: the sources
/// are ours, the Stripe address is a parsed origin and the nonce is hex.)
fn policy(
    stripe: &StripeSettings,
    script_src: &str,
    to_any_provider: bool,
    framers: &[String],
) -> Option<HeaderValue> {
    let mut forms = form_targets(stripe);
    if to_any_provider {
        forms.push_str(" https: http:");
    }
    let ancestors = if framers.is_empty() {
        "'none'".to_string()
    } else {
        framers.join(" ")
    };
    HeaderValue::try_from(format!(
        "{BASE_POLICY}; frame-ancestors {ancestors}; form-action 'self' {forms}; script-src {script_src}"
    ))
    .ok()
}

/// The share link token of a link's page (`/c/<token>…`).
fn share_token(path: &str) -> Option<&str> {
    let token = path.strip_prefix("/c/")?.split('/').next()?;
    (!token.is_empty()).then_some(token)
}

/// The nonce this response's inline scripts carry, made for each request before it is
/// handled: a page's render takes it from the request (`use_page_nonce`) and the
/// policy admits it once the answer is a page. (Chosen here rather than read back from
/// the render, so the header never depends on what the render did.)
#[derive(Clone)]
struct PageNonce(String);

/// Called while a page renders (the Leptos request context): the page's inline scripts
/// carry this request's nonce.
pub fn use_page_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

pub async fn add(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // 122 random bits, as hex (valid in a CSP nonce).
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let sso_page = request.uri().path() == SSO_PAGE;
    let share = share_token(request.uri().path()).map(str::to_owned);
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    // The sites (origins, checked when saved) a link's page may be framed by.
    let framers = match share {
        Some(token) if is_page => state.shares.frame_ancestors(&token).await,
        _ => Vec::new(),
    };
    let scripts = if is_page {
        format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'")
    } else {
        "'self' 'wasm-unsafe-eval'".to_string()
    };
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Some(value) = policy(&state.config.stripe, &scripts, sso_page, &framers)
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The old header cannot name sites: left out where some may frame the page.
    if framers.is_empty() {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
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

#[cfg(test)]
mod tests {
    use super::{STRIPE_PAGES, form_targets};
    use crate::config::{Secret, StripeSettings};

    fn stripe(key: Option<&str>, api_base: &str) -> StripeSettings {
        StripeSettings {
            secret_key: key.map(Secret::new),
            webhook_secret: None,
            api_base: api_base.to_string(),
            connect: false,
        }
    }

    #[test]
    fn forms_may_go_to_stripe_only_when_it_is_set_up() {
        assert_eq!(form_targets(&stripe(None, "https://api.stripe.com/")), "");
        assert_eq!(
            form_targets(&stripe(Some("sk_live_x"), "https://api.stripe.com/")),
            STRIPE_PAGES
        );
        // A fake Stripe serves its pages where its API is.
        assert_eq!(
            form_targets(&stripe(Some("sk_test_x"), "http://127.0.0.1:12111/")),
            "http://127.0.0.1:12111"
        );
    }
}
