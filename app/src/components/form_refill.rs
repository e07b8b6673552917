//! What a form posted without JavaScript had in its fields, for the page to fill in
//! again when the post failed (kept by `backend::respond_to_form`).

use std::collections::BTreeMap;

/// The fields a failed post of this page's form left, read on the server render (once).
pub fn refill() -> BTreeMap<String, String> {
    #[cfg(feature = "ssr")]
    return crate::backend::form_refill::take();
    #[cfg(not(feature = "ssr"))]
    BTreeMap::new()
}
