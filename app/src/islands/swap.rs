//! Fetching a fresh render of a page and moving parts of it into the page on screen
//! (`LiveParts`).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The page at `url` (relative to this one), rendered by the server, parsed.
pub async fn fetch_page(url: &str) -> Result<web_sys::Document, JsValue> {
    let response: web_sys::Response = JsFuture::from(leptos::prelude::window().fetch_with_str(url))
        .await?
        .dyn_into()?;
    if !response.ok() {
        return Err(JsValue::from_str("the page could not be fetched"));
    }
    let html = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    web_sys::DomParser::new()?.parse_from_string(&html, web_sys::SupportedType::TextHtml)
}

/// Gives the element `id` on screen the content it has in `fresh` (kept as it is when
/// `fresh` has no such element).
pub fn swap_in(fresh: &web_sys::Document, id: &str) {
    let current = leptos::prelude::document().get_element_by_id(id);
    if let (Some(fresh), Some(current)) = (fresh.get_element_by_id(id), current) {
        current.set_inner_html(&fresh.inner_html());
    }
}
