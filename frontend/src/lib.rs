//! Hydrates the server-rendered page into the interactive WASM client.

use leptos::prelude::document;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (separate WASM chunks): hydration first fetches the chunk
    // of the page on screen, so it is asynchronous.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Marks the page as interactive, for tools (and tests) that must wait for it.
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
