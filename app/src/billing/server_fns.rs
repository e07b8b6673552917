//! Thin transports over the backend's billing operations.

use leptos::prelude::*;

use super::BillingOverview;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "billing/overview")]
pub async fn get_billing() -> Result<BillingOverview, AppError> {
    use crate::backend;
    backend::respond(async { backend::billing()?.overview(&backend::actor().await?).await }.await)
}

/// Sends an owner to Stripe Checkout for a subscription to `tier`.
#[server(prefix = "/api", endpoint = "billing/upgrade")]
pub async fn upgrade_plan(tier: String) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let checkout = backend::billing()?
                .upgrade(&backend::actor().await?, &tier)
                .await?;
            leptos_axum::redirect(&checkout.url);
            Ok(())
        }
        .await,
    )
}

/// Opens Stripe's customer portal (invoices, card, cancel or change the plan).
#[server(prefix = "/api", endpoint = "billing/portal")]
pub async fn manage_billing() -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let portal = backend::billing()?.portal(&backend::actor().await?).await?;
            leptos_axum::redirect(&portal.url);
            Ok(())
        }
        .await,
    )
}
