//! The answer to a form posted without JavaScript. Such a post gets a redirect back to
//! the form's page (leptos_axum sends plain form posts back to their Referer), so an
//! error cannot travel in the response body: it goes in a cookie scoped to that page
//! for a minute, and the page shows it once and removes it. Pages that ship no client
//! (`crate::routes::CLIENT_FREE_PAGES`) rely on it.

use http::request::Parts;
use leptos::prelude::use_context;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::cookies;
pub use crate::error::FormFlash;
use crate::error::AppError;

const NAME: &str = "agf_form_error";
/// Long enough for the redirect, short enough not to greet a later visit.
const MAX_AGE_SECS: u64 = 60;

/// Keeps `error`, and the fields to fill in again (never a password), for the page
/// the form was posted from.
pub fn remember(error: &AppError, fields: &[(&str, &str)]) {
    let Some(path) = use_context::<Parts>().and_then(|parts| referring_path(&parts)) else {
        return;
    };
    let flash = FormFlash {
        error: error.clone(),
        fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    };
    let Ok(json) = serde_json::to_string(&flash) else {
        return;
    };
    let value = utf8_percent_encode(&json, NON_ALPHANUMERIC).to_string();
    cookies::write(NAME, &value, &path, MAX_AGE_SECS, secure());
}

/// What a form on this page left for it, removed as it is read.
pub fn take() -> Option<FormFlash> {
    let parts = use_context::<Parts>()?;
    let raw = cookies::read(NAME)?;
    cookies::write(NAME, "", parts.uri.path(), 0, secure());
    let json = percent_decode_str(&raw).decode_utf8().ok()?;
    serde_json::from_str(&json).ok()
}

/// The path of the page that posted the form, when it is a plain one (it becomes the
/// cookie's `Path`, so nothing that could end the attribute gets through).
fn referring_path(parts: &Parts) -> Option<String> {
    let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
    let uri: http::Uri = referer.parse().ok()?;
    let path = uri.path();
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
        .then(|| path.to_owned())
}

fn secure() -> bool {
    super::accounts().is_ok_and(|accounts| accounts.secure_cookies())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(referer: &str) -> Parts {
        let (parts, ()) = http::Request::builder()
            .header(http::header::REFERER, referer)
            .body(())
            .unwrap()
            .into_parts();
        parts
    }

    #[test]
    fn scopes_the_error_to_the_page_that_posted() {
        assert_eq!(referring_path(&parts("http://127.0.0.1:3000/signin?next=/agents")).as_deref(), Some("/signin"));
        assert_eq!(referring_path(&parts("/signup")).as_deref(), Some("/signup"));
        assert_eq!(referring_path(&parts("http://x/a;Domain=evil")), None);
        assert_eq!(referring_path(&parts("http://x/a%20b")), None);
    }
}
