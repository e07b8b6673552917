//! The marketplace: browse and search templates, a template's page (deploy, buy,
//! reviews), the wait for Stripe's confirmation after Checkout, publishing an agent, and
//! a creator's earnings.

mod browse_page;
mod earnings_page;
mod publish_page;
mod purchase_page;
mod reviews;
mod server_fns;
mod template_page;
mod types;

pub use browse_page::MarketplacePage;
pub use earnings_page::EarningsPage;
pub use publish_page::PublishPage;
pub use purchase_page::PurchasePage;
pub use server_fns::*;
pub use template_page::TemplatePage;
pub use types::*;
