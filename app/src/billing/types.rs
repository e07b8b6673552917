use serde::{Deserialize, Serialize};

use super::PlanTier;

/// A plan and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub tier: PlanTier,
    pub name: String,
    pub price_cents_month: i64,
    pub requests_per_minute: i64,
    pub monthly_runs: i64,
    pub monthly_tokens: i64,
}

/// Settings → Billing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub current: PlanTier,
    pub plans: Vec<PlanView>,
    /// The Stripe subscription's status (`active`, `past_due` …), if there is one.
    pub subscription_status: Option<String>,
    pub renews: Option<String>,
    /// Stripe is configured.
    pub payments_enabled: bool,
    /// The team has a Stripe customer (the portal has something to show).
    pub has_customer: bool,
    /// Only owners change the plan.
    pub can_manage: bool,
}
