//! Hydrates the server-rendered page into the interactive WASM client.

use leptos::prelude::document;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    // Release builds abort on panic without a message (`-Cpanic=immediate-abort`, see
    // scripts/toolchain.sh), so only debug builds have a panic to print.
    #[cfg(debug_assertions)]
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

/// Room for the WASM split to move data. `cargo leptos --split` gives each chunk the
/// constant data (page text, class lists) only its code uses, laying those pieces out
/// again inside the original read-only data segment; when the new layout comes out
/// even a few bytes longer than the segment (alignment padding, once per chunk), it
/// silently keeps *all* data in the main module (~150 KB more there). Nothing uses
/// these bytes, so the split places them nowhere, and the segment has room to spare.
/// `scripts/wasm-size.py` checks that the data did move.
#[used]
static SPLIT_DATA_ROOM: [u8; 16 * 1024] = [0xA5; 16 * 1024];
