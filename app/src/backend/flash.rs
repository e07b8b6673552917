//! A server function's answer, carried across the redirect that follows a form posted
//! without client code, for the page it was posted from to show once: a new API key,
//! a webhook's signing secret, an invitation link, "Saved".
//!
//! The settings pages are server-rendered and ship no WASM, so every one of their forms
//! is a plain post, answered (when it came from a page) with a redirect back to that
//! page. What the answer said goes in a cookie scoped to that page for a minute, read
//! once and removed — sealed with the server's key to the session that posted it, so
//! the browser's cookie store never holds a secret in the clear and no other session
//! could open it.

use http::request::Parts;
use leptos::prelude::use_context;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{cookies, form_refill, session_cookie};

/// Long enough for the redirect, short enough not to greet a later visit.
const MAX_AGE_SECS: u64 = 60;

fn cookie_name(name: &str) -> String {
    format!("agf_flash_{name}")
}

/// Keeps `value` for the page the form was posted from. `name` is one of ours: lower
/// case letters and dashes.
pub fn keep<T: Serialize>(name: &'static str, value: &T) {
    let Some(path) = use_context::<Parts>().and_then(|parts| form_refill::referring_path(&parts))
    else {
        return;
    };
    let (Some(token), Ok(accounts), Ok(json)) = (
        session_cookie::read(),
        super::accounts(),
        serde_json::to_string(value),
    ) else {
        return;
    };
    if let Some(sealed) = accounts.seal_for_session(&token, &json) {
        cookies::write(
            &cookie_name(name),
            &sealed,
            &path,
            MAX_AGE_SECS,
            accounts.secure_cookies(),
        );
    }
}

/// [`keep`] for an answer the server makes outside a server function (a form it reads
/// itself, such as a file upload): the `Set-Cookie` value for the page at `path`.
pub fn cookie<T: Serialize>(
    accounts: &dyn super::Accounts,
    token: &super::SessionToken,
    name: &'static str,
    value: &T,
    path: &str,
) -> Option<String> {
    let json = serde_json::to_string(value).ok()?;
    let sealed = accounts.seal_for_session(token, &json)?;
    Some(cookies::set_cookie(
        &cookie_name(name),
        &sealed,
        path,
        MAX_AGE_SECS,
        accounts.secure_cookies(),
    ))
}

/// The answer a form of this page left under `name` (none most of the time), removed
/// as it is read.
pub fn take<T: DeserializeOwned>(name: &'static str) -> Option<T> {
    let parts = use_context::<Parts>()?;
    let cookie = cookie_name(name);
    let sealed = cookies::read(&cookie)?;
    let accounts = super::accounts().ok()?;
    cookies::write(&cookie, "", parts.uri.path(), 0, accounts.secure_cookies());
    let json = accounts.open_for_session(&session_cookie::read()?, &sealed)?;
    serde_json::from_str(&json).ok()
}
