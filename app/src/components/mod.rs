//! Small building blocks shared by several pages.

mod empty_state;
mod error_fallback;
mod form_refill;
mod logo;
mod page_header;
mod panel;
mod shown_once;

pub use empty_state::EmptyState;
pub use error_fallback::ErrorFallback;
pub use form_refill::refill;
pub use logo::Logo;
pub use page_header::PageHeader;
pub use panel::{CARD, NUM, Panel, ROW, Table};
pub use shown_once::shown_once;
