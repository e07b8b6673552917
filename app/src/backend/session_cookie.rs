//! The session cookie: HttpOnly (scripts cannot read it), SameSite=Lax (not sent on
//! cross-site posts), Secure behind https. It holds only an opaque random token; the
//! session itself lives on the server, so signing out really ends it.

use super::{NewSession, SessionToken, cookies};

pub const NAME: &str = "agf_session";

/// The token in a `Cookie` header, if any.
pub fn from_header(cookie_header: &str) -> Option<SessionToken> {
    cookies::find(cookie_header, NAME).map(|value| SessionToken(value.to_owned()))
}

/// The token of the current request.
pub fn read() -> Option<SessionToken> {
    cookies::read(NAME).map(SessionToken)
}

/// Sets the new session's cookie and sends the browser on to `next` (a local path
/// only) or the dashboard.
pub fn start(session: &NewSession, secure: bool, next: Option<&str>) {
    cookies::write(NAME, &session.token.0, "/", session.max_age_secs, secure);
    leptos_axum::redirect(&crate::safe_redirect::local_path_or(next, "/dashboard"));
}

pub fn clear(secure: bool) {
    cookies::write(NAME, "", "/", 0, secure);
}

/// The cookie of a sign-in waiting for its second factor (minutes long, sign-in pages
/// only).
const CHALLENGE: &str = "agf_signin";
const CHALLENGE_PATH: &str = "/";

/// Holds the challenge and sends the browser to the page that asks for the code.
pub fn await_code(challenge: &super::Challenge, secure: bool, next: Option<&str>) {
    cookies::write(
        CHALLENGE,
        &challenge.token,
        CHALLENGE_PATH,
        challenge.max_age_secs,
        secure,
    );
    let next = crate::safe_redirect::local_path_or(next, "/dashboard");
    leptos_axum::redirect(&code_page(&next));
}

/// The page that asks for the second factor, then goes on to `next`.
pub fn code_page(next: &str) -> String {
    format!(
        "/signin/two-factor?next={}",
        crate::query_string::encode(next)
    )
}

/// The session's `Set-Cookie` value, for answers made outside server functions.
pub fn session_header(session: &NewSession, secure: bool) -> String {
    cookies::set_cookie(NAME, &session.token.0, "/", session.max_age_secs, secure)
}

/// The challenge's `Set-Cookie` value, for answers made outside server functions.
pub fn challenge_header(challenge: &super::Challenge, secure: bool) -> String {
    let max_age = challenge.max_age_secs;
    cookies::set_cookie(CHALLENGE, &challenge.token, CHALLENGE_PATH, max_age, secure)
}

pub fn challenge() -> Option<String> {
    cookies::read(CHALLENGE)
}

pub fn clear_challenge(secure: bool) {
    cookies::write(CHALLENGE, "", CHALLENGE_PATH, 0, secure);
}
