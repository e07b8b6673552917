//! What a form of this page answered (a new key, an invitation link, "Saved"), shown
//! once on the page its post came back to (kept by `backend::respond_in_place`).

use serde::de::DeserializeOwned;

/// The answer under `name` that a form left for this page, read on the server render.
pub fn shown_once<T: DeserializeOwned>(name: &'static str) -> Option<T> {
    #[cfg(feature = "ssr")]
    return crate::backend::flash::take(name);
    #[cfg(not(feature = "ssr"))]
    {
        let _ = name;
        None
    }
}
