use leptos::prelude::*;

/// Marks the page interactive (`<html data-hydrated>`), for tools and tests that must
/// wait for it. The shell places it last in the body: islands hydrate one after the
/// other in document order, each waiting for its code (a lazy island's chunk) before the
/// next, so when this one runs every island above it is live.
#[island]
pub fn PageReady() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
