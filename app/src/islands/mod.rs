//! The small islands any page may use, and the script that loads them. Pages render on
//! the server; only `#[island]` components ship code to the browser and hydrate there
//! (Leptos islands). A page's own islands live beside the page; these are the shared
//! ones.

mod copy_button;
mod later;
mod live_parts;
mod loader;
mod submit_shortcut;
#[cfg(feature = "hydrate")]
mod swap;

pub use copy_button::CopyButton;
#[cfg(feature = "hydrate")]
pub use later::hydrate_later;
pub use later::{Later, soon};
pub use live_parts::LiveParts;
pub use loader::IslandsLoader;
pub use submit_shortcut::{SubmitShortcut, submit_on_shortcut};
