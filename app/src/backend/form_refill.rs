//! What a form posted without JavaScript had in its fields, for the form to fill in
//! again when the post failed. Such a post is answered with a redirect back to the
//! form's page: Leptos puts the error in that URL (`__err`, which `ServerAction` reads
//! on the server render), but not what was typed. That goes in a cookie scoped to the
//! form's page for a minute, read once and removed. Never a password.

use std::collections::BTreeMap;

use http::request::Parts;
use leptos::prelude::use_context;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::cookies;

const NAME: &str = "agf_form_refill";
/// Long enough for the redirect, short enough not to greet a later visit.
const MAX_AGE_SECS: u64 = 60;

/// Keeps `fields` for the page the form was posted from.
pub fn remember(fields: &[(&str, &str)]) {
    let Some(path) = use_context::<Parts>().and_then(|parts| referring_path(&parts)) else {
        return;
    };
    let fields: BTreeMap<&str, &str> = fields.iter().copied().collect();
    let Ok(json) = serde_json::to_string(&fields) else {
        return;
    };
    let value = utf8_percent_encode(&json, NON_ALPHANUMERIC).to_string();
    cookies::write(NAME, &value, &path, MAX_AGE_SECS, secure());
}

/// The fields a failed post left for this page (none most of the time), removed as
/// they are read.
pub fn take() -> BTreeMap<String, String> {
    let Some(parts) = use_context::<Parts>() else {
        return BTreeMap::new();
    };
    let Some(raw) = cookies::read(NAME) else {
        return BTreeMap::new();
    };
    cookies::write(NAME, "", parts.uri.path(), 0, secure());
    percent_decode_str(&raw)
        .decode_utf8()
        .ok()
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// The path of the page that posted the form, when it is a plain one (it becomes the
/// cookie's `Path`, so nothing that could end the attribute gets through).
pub(super) fn referring_path(parts: &Parts) -> Option<String> {
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
    fn scopes_the_fields_to_the_page_that_posted() {
        assert_eq!(
            referring_path(&parts("http://127.0.0.1:3000/signin?next=/agents")).as_deref(),
            Some("/signin")
        );
        assert_eq!(
            referring_path(&parts("/signup")).as_deref(),
            Some("/signup")
        );
        assert_eq!(referring_path(&parts("http://x/a;Domain=evil")), None);
        assert_eq!(referring_path(&parts("http://x/a%20b")), None);
    }
}
