//! The small islands any page may use, and the script that loads them. Pages render on
//! the server; only `#[island]` components ship code to the browser and hydrate there
//! (Leptos islands). A page's own islands live beside the page; these are the shared
//! ones.

mod in_place_forms;
mod later;
mod live_region;
mod loader;
mod submit_shortcut;

pub use in_place_forms::{InPlaceForm, InPlaceForms};
#[cfg(feature = "hydrate")]
pub use later::hydrate_later;
pub use later::{Later, soon};
pub use live_region::LiveRegion;
pub use loader::IslandsLoader;
pub use submit_shortcut::{SubmitShortcut, submit_on_shortcut};

use leptos::prelude::*;

/// Shows `text` in every element of the server-rendered frame marked `data-frame=slot`
/// (the menu's names) whenever it changes, so what an island changed shows around it
/// without a reload.
pub fn mirror_in_frame(slot: &'static str, text: impl Fn() -> Option<String> + 'static) {
    Effect::new(move || {
        let Some(text) = text() else { return };
        #[cfg(feature = "hydrate")]
        if let Ok(elements) = document().query_selector_all(&format!("[data-frame={slot}]")) {
            for index in 0..elements.length() {
                if let Some(element) = elements.item(index) {
                    element.set_text_content(Some(&text));
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (slot, text);
    });
}
