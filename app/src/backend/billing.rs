use async_trait::async_trait;

use super::Actor;
use crate::billing::BillingOverview;
use crate::error::AppError;
use crate::marketplace::Redirect;

/// The team's plan: upgrades through Stripe Checkout, the rest in Stripe's portal.
#[async_trait]
pub trait Billing: Send + Sync + 'static {
    async fn overview(&self, actor: &Actor) -> Result<BillingOverview, AppError>;
    /// A Checkout session in subscription mode for `tier` (owners only).
    async fn upgrade(&self, actor: &Actor, tier: &str) -> Result<Redirect, AppError>;
    /// Stripe's customer portal for the team (owners only).
    async fn portal(&self, actor: &Actor) -> Result<Redirect, AppError>;
}
