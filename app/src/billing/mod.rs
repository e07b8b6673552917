//! Settings → Billing: the plans, upgrades through Stripe Checkout, and Stripe's
//! customer portal for the rest.

mod billing_page;
mod plan;
mod server_fns;
mod types;

pub use billing_page::BillingPage;
pub use plan::PlanTier;
pub use server_fns::*;
pub use types::*;
