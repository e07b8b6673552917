//! The session cookie: HttpOnly (scripts cannot read it), SameSite=Lax (not sent on
//! cross-site posts), Secure behind https. It holds only an opaque random token; the
//! session itself lives on the server, so signing out really ends it.

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, request::Parts};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::{NewSession, SessionToken};

pub const NAME: &str = "agf_session";

/// The token in a `Cookie` header, if any.
pub fn from_header(cookie_header: &str) -> Option<SessionToken> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == NAME && !value.is_empty())
        .map(|(_, value)| SessionToken(value.to_owned()))
}

/// The token of the current request.
pub fn read() -> Option<SessionToken> {
    let parts = use_context::<Parts>()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(from_header)
}

/// Sets the new session's cookie and sends the browser on to `next` (a local path
/// only) or the dashboard.
pub fn start(session: &NewSession, secure: bool, next: Option<&str>) {
    write(&session.token.0, session.max_age_secs, secure);
    leptos_axum::redirect(&crate::safe_redirect::local_path_or(next, "/dashboard"));
}

pub fn clear(secure: bool) {
    write("", 0, secure);
}

fn write(value: &str, max_age_secs: u64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
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
    fn finds_the_session_among_other_cookies() {
        let token = from_header("theme=dark; agf_session=abc123; other=1").unwrap();
        assert_eq!(token.0, "abc123");
        assert!(from_header("agf_session=; theme=dark").is_none());
        assert!(from_header("agf_sessionx=1").is_none());
    }
}
