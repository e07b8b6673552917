//! The browser's entry: starts the reactive runtime for the page's islands. The
//! page's loader (`app::islands::IslandsLoader`) calls `hydrate` once the module is
//! loaded, then each island's own export (a lazy island first fetches its chunk).

use wasm_bindgen::prelude::wasm_bindgen;

// The islands are exported from the `app` crate; linking it in is what keeps them.
pub use app::islands;

#[wasm_bindgen]
pub fn hydrate() {
    // Release builds abort on panic without a message (`-Cpanic=immediate-abort`, see
    // scripts/toolchain.sh), so only debug builds have a panic to print.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
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
