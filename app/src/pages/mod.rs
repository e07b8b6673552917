//! One module per page.

mod landing;
mod marketplace;
mod not_found;

pub use landing::LandingPage;
pub use marketplace::MarketplacePage;
pub use not_found::NotFoundPage;
