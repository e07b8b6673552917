//! Reading and writing the cookies the server functions use, in one place: every
//! cookie of ours is HttpOnly (scripts cannot read it), SameSite=Lax (not sent on
//! cross-site posts) and Secure behind https.

use http::HeaderValue;
use http::header::{COOKIE, SET_COOKIE};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// The value of cookie `name` in a `Cookie` header, if set and not empty.
pub fn find<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value with our attributes (for answers made outside server functions).
pub fn set_cookie(name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// The value of cookie `name` on the current request.
pub fn read(name: &str) -> Option<String> {
    let parts = use_context::<Parts>()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| find(header, name).map(str::to_owned))
}

/// Sets cookie `name` on the response (`max_age_secs` 0 removes it). `value` and
/// `path` must be cookie-safe: callers encode what they store.
pub fn write(name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) {
    let cookie = set_cookie(name, value, path, max_age_secs, secure);
    if let (Some(response), Ok(header)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        response.append_header(SET_COOKIE, header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_others() {
        assert_eq!(
            find("theme=dark; agf_session=abc123; other=1", "agf_session"),
            Some("abc123")
        );
        assert_eq!(find("agf_session=; theme=dark", "agf_session"), None);
        assert_eq!(find("agf_sessionx=1", "agf_session"), None);
    }
}
