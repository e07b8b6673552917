//! Billing through Stripe: plan upgrades (Checkout in subscription mode), the customer
//! portal (implements `app::backend::Billing`), the webhook that applies what Stripe
//! reports, and the 70/30 revenue share of template sales.

pub mod events;
pub mod revenue;
pub mod signature;
pub mod stripe_client;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;

use app::auth::Role;
use app::backend::{Actor, Billing};
use app::billing::{BillingOverview, PlanTier, PlanView};
use app::error::AppError;
use app::marketplace::Redirect;
use async_trait::async_trait;
use sqlx::PgPool;

use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;
use stripe_client::{CheckoutKind, CheckoutRequest, PaymentError, PaymentGateway};

/// Said wherever a payment is asked for while Stripe is not configured.
pub const PAYMENTS_OFF: &str = "Payments are not set up on this server (STRIPE_SECRET_KEY is not set). Free templates work as usual.";

/// Stripe as the rest of the server uses it: the gateway, when configured, and where
/// Checkout sends the browser back to.
#[derive(Clone)]
pub struct Payments {
    pub gateway: Option<Arc<dyn PaymentGateway>>,
    /// The site's public address, without a trailing slash.
    pub public_url: String,
}

impl Payments {
    pub fn gateway(&self) -> Result<&Arc<dyn PaymentGateway>, AppError> {
        self.gateway
            .as_ref()
            .ok_or_else(|| AppError::Unavailable(PAYMENTS_OFF.into()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The team's Stripe customer, created on first use. Stripe's idempotency key is the
    /// team, so two first uses at once get the same customer.
    pub async fn customer(&self, db: &PgPool, actor: &Actor) -> Result<String, ServerError> {
        let mut tx = tenant::begin_as(db, actor).await?;
        let (name, customer_id, email): (String, Option<String>, String) = sqlx::query_as(
            "SELECT t.name, t.stripe_customer_id, u.email FROM teams t, users u WHERE t.id = $1 AND u.id = $2",
        )
        .bind(actor.team_id)
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        if let Some(id) = customer_id {
            return Ok(id);
        }
        let id = self
            .gateway()?
            .create_customer(actor.team_id, &name, &email)
            .await
            .map_err(stripe_failed)?;
        let mut tx = tenant::begin_as(db, actor).await?;
        sqlx::query(
            "UPDATE teams SET stripe_customer_id = $2 WHERE id = $1 AND stripe_customer_id IS NULL",
        )
        .bind(actor.team_id)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// A failed call to Stripe: logged in full, said plainly to the user.
pub fn stripe_failed(error: PaymentError) -> AppError {
    tracing::error!(%error, "stripe call failed");
    match error {
        PaymentError::NotConfigured => AppError::Unavailable(PAYMENTS_OFF.into()),
        _ => AppError::Unavailable(
            "Stripe could not be reached just now. Nothing was charged; please try again.".into(),
        ),
    }
}

pub struct BillingService {
    db: PgPool,
    payments: Payments,
}

impl BillingService {
    pub fn new(db: PgPool, payments: Payments) -> Self {
        Self { db, payments }
    }
}

impl BillingService {
    pub async fn overview(&self, actor: &Actor) -> Result<BillingOverview, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let plans: Vec<PlanRow> = sqlx::query_as(
            "SELECT p.tier::text AS tier, p.name, p.price_cents_month, p.requests_per_minute::bigint AS requests_per_minute,
                    p.monthly_runs::bigint AS monthly_runs, p.monthly_tokens FROM plans p ORDER BY p.tier",
        )
        .fetch_all(&mut *tx)
        .await?;
        let team: TeamBilling = sqlx::query_as(
            "SELECT t.plan::text AS plan, t.stripe_customer_id IS NOT NULL AS has_customer, s.status, s.current_period_end
               FROM teams t
               LEFT JOIN LATERAL (SELECT status, current_period_end FROM subscriptions
                                   WHERE team_id = t.id ORDER BY updated_at DESC LIMIT 1) s ON true
              WHERE t.id = $1",
        )
        .bind(actor.team_id)
        .fetch_one(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(BillingOverview {
            current: team.plan,
            plans: plans.into_iter().map(PlanView::from).collect(),
            subscription_status: team.status,
            renews: team
                .current_period_end
                .map(|at| at.format("%-d %b %Y").to_string()),
            payments_enabled: self.payments.gateway.is_some(),
            has_customer: team.has_customer,
            can_manage: actor.role >= Role::Owner,
        })
    }

    pub async fn upgrade(&self, actor: &Actor, tier: &str) -> Result<Redirect, ServerError> {
        at_least(actor.role, Role::Owner)?;
        let Some(tier) = PlanTier::parse(tier).filter(|tier| tier.is_paid()) else {
            return Err(AppError::invalid("tier", "Choose Pro or Enterprise.").into());
        };
        let gateway = self.payments.gateway()?.clone();
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let (name, price_cents_month, subscribed): (String, i64, bool) = sqlx::query_as(
            "SELECT p.name, p.price_cents_month,
                    EXISTS (SELECT 1 FROM subscriptions s WHERE s.team_id = t.id
                             AND s.status IN ('active', 'trialing', 'past_due')) AS subscribed
               FROM plans p, teams t WHERE p.tier = $1::plan_tier AND t.id = $2",
        )
        .bind(tier.as_str())
        .bind(actor.team_id)
        .fetch_one(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        if subscribed {
            return Err(AppError::Conflict(
                "Your team already has a subscription: change it with Manage billing.".into(),
            )
            .into());
        }
        let customer = self.payments.customer(&self.db, actor).await?;
        let session = gateway
            .create_checkout(&CheckoutRequest {
                kind: CheckoutKind::Subscription,
                customer,
                product_name: format!("Agent Factory {name}"),
                amount_cents: price_cents_month,
                metadata: HashMap::from([
                    ("kind".to_string(), "plan".to_string()),
                    ("team_id".to_string(), actor.team_id.to_string()),
                    ("tier".to_string(), tier.to_string()),
                ]),
                success_url: self.payments.url("/settings/billing?upgraded=1"),
                cancel_url: self.payments.url("/settings/billing"),
                idempotency_key: format!("plan-{}", uuid::Uuid::new_v4()),
            })
            .await
            .map_err(stripe_failed)?;
        Ok(Redirect { url: session.url })
    }

    pub async fn portal(&self, actor: &Actor) -> Result<Redirect, ServerError> {
        at_least(actor.role, Role::Owner)?;
        let gateway = self.payments.gateway()?.clone();
        let customer = self.payments.customer(&self.db, actor).await?;
        let url = gateway
            .portal(&customer, &self.payments.url("/settings/billing"))
            .await
            .map_err(stripe_failed)?;
        Ok(Redirect { url })
    }
}

/// A plan as `plans` stores it.
#[derive(sqlx::FromRow)]
struct PlanRow {
    #[sqlx(try_from = "String")]
    tier: PlanTier,
    name: String,
    price_cents_month: i64,
    requests_per_minute: i64,
    monthly_runs: i64,
    monthly_tokens: i64,
}

impl From<PlanRow> for PlanView {
    fn from(row: PlanRow) -> PlanView {
        PlanView {
            tier: row.tier,
            name: row.name,
            price_cents_month: row.price_cents_month,
            requests_per_minute: row.requests_per_minute,
            monthly_runs: row.monthly_runs,
            monthly_tokens: row.monthly_tokens,
        }
    }
}

/// The team's plan and its latest subscription.
#[derive(sqlx::FromRow)]
struct TeamBilling {
    #[sqlx(try_from = "String")]
    plan: PlanTier,
    has_customer: bool,
    status: Option<String>,
    current_period_end: Option<chrono::DateTime<chrono::Utc>>,
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Billing for BillingService {
    async fn overview(&self, actor: &Actor) -> Result<BillingOverview, AppError> {
        Ok(BillingService::overview(self, actor).await?)
    }

    async fn upgrade(&self, actor: &Actor, tier: &str) -> Result<Redirect, AppError> {
        Ok(BillingService::upgrade(self, actor, tier).await?)
    }

    async fn portal(&self, actor: &Actor) -> Result<Redirect, AppError> {
        Ok(BillingService::portal(self, actor).await?)
    }
}
