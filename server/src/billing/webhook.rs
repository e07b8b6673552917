//! What a verified Stripe event changes. Each event is handled in one transaction that
//! first records its id: a replay, or a concurrent duplicate (which waits on the first's
//! row lock and then finds the id taken), changes nothing. A database error rolls it all
//! back and answers non-2xx, so Stripe retries.

use app::billing::PlanTier;
use serde_json::json;
use uuid::Uuid;

use super::events::{Charge, CheckoutSession, Event, Subscription};
use super::revenue;
use crate::audit;
use crate::db::tenant::{self, Tenant};
use crate::webhooks::outbox;

/// What happened to an event, stored beside its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Seen before: nothing changed.
    Duplicate,
    Applied(&'static str),
    /// Valid, but nothing for us to do (another type, an unpaid session …).
    Ignored(&'static str),
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Applied(what) | Self::Ignored(what) => what,
        }
    }
}

pub async fn process(db: &sqlx::PgPool, event: &Event) -> Result<Outcome, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::default()).await?;
    let first: Option<String> = sqlx::query_scalar(
        "INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .fetch_optional(&mut *tx)
    .await?;
    if first.is_none() {
        tenant::done_reading(tx);
        return Ok(Outcome::Duplicate);
    }
    let outcome = match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            match event.object::<CheckoutSession>() {
                Some(session) => session_paid(&mut tx, &session).await?,
                None => Outcome::Ignored("not a checkout session"),
            }
        }
        "checkout.session.async_payment_failed" => match event.object::<CheckoutSession>() {
            Some(session) => payment_failed(&mut tx, &session).await?,
            None => Outcome::Ignored("not a checkout session"),
        },
        "charge.refunded" => match event.object::<Charge>() {
            Some(charge) => refunded(&mut tx, &charge).await?,
            None => Outcome::Ignored("not a charge"),
        },
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => match event.object::<Subscription>() {
            Some(subscription) => {
                subscription_changed(&mut tx, &subscription, event.created).await?
            }
            None => Outcome::Ignored("not a subscription"),
        },
        _ => Outcome::Ignored("event type not handled"),
    };
    sqlx::query("UPDATE stripe_events SET processed_at = now(), outcome = $2 WHERE id = $1")
        .bind(&event.id)
        .bind(outcome.label())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The template purchase a Checkout session was for, from the metadata we gave it.
struct PurchaseRef {
    purchase_id: Uuid,
    team_id: Uuid,
    template_id: Uuid,
}

fn purchase_ref(session: &CheckoutSession) -> Option<PurchaseRef> {
    let id = |key: &str| session.metadata.get(key)?.parse::<Uuid>().ok();
    (session.metadata.get("kind").map(String::as_str) == Some("template")).then_some(())?;
    Some(PurchaseRef {
        purchase_id: id("purchase_id")?,
        team_id: id("team_id")?,
        template_id: id("template_id")?,
    })
}

/// A paid session: the purchase, both revenue entries, the counters (a trigger) and the
/// creator's `template.purchased` event, all or nothing.
async fn session_paid(
    tx: &mut tenant::Tx,
    session: &CheckoutSession,
) -> Result<Outcome, sqlx::Error> {
    if session.mode != "payment" {
        return Ok(Outcome::Ignored(
            "subscription checkout (its subscription events apply it)",
        ));
    }
    if session.payment_status != "paid" {
        return Ok(Outcome::Ignored("not paid yet"));
    }
    let Some(purchase) = purchase_ref(session) else {
        return Ok(Outcome::Ignored("not a template purchase"));
    };
    tenant::set(tx, Tenant::team(purchase.team_id)).await?;
    let owned: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM purchases WHERE team_id = $1 AND template_id = $2 AND status = 'paid')",
    )
    .bind(purchase.team_id)
    .bind(purchase.template_id)
    .fetch_one(&mut **tx)
    .await?;
    if owned {
        // Two checkouts of the same template both paid: the second needs a refund.
        tracing::error!(checkout = %session.id, team = %purchase.team_id, "a team paid twice for one template; refund the second payment");
        return Ok(Outcome::Ignored("already owned (refund needed)"));
    }
    let paid: Option<(i64, i32)> = sqlx::query_as(
        "UPDATE purchases
            SET status = 'paid', paid_at = now(), amount_cents = coalesce($2, amount_cents),
                stripe_payment_intent_id = $3, stripe_checkout_session_id = $4
          WHERE id = $1 AND status IN ('pending', 'failed')
          RETURNING amount_cents, template_version",
    )
    .bind(purchase.purchase_id)
    .bind(session.amount_total)
    .bind(&session.payment_intent)
    .bind(&session.id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((amount_cents, version)) = paid else {
        return Ok(Outcome::Ignored("purchase already settled"));
    };
    let creator_team: Option<Uuid> = sqlx::query_scalar("SELECT template_owner($1)")
        .bind(purchase.template_id)
        .fetch_one(&mut **tx)
        .await?;
    let Some(creator_team) = creator_team else {
        return Ok(Outcome::Ignored("template gone"));
    };
    tenant::set(tx, Tenant::team(creator_team)).await?;
    revenue::record_sale(
        tx,
        purchase.purchase_id,
        creator_team,
        purchase.template_id,
        amount_cents,
    )
    .await?;
    // A refund that came before this event applies now, as if it had come after.
    let early: Option<(i64, bool)> = match &session.payment_intent {
        Some(intent) => {
            sqlx::query_as("SELECT amount_refunded, refunded FROM take_early_refund($1)")
                .bind(intent)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    if let Some((amount_refunded, in_full)) = early {
        let refund = Refund {
            amount_cents: amount_refunded,
            in_full,
        };
        apply_refund(
            tx,
            purchase.purchase_id,
            purchase.team_id,
            purchase.template_id,
            &refund,
        )
        .await?;
        if in_full {
            return Ok(Outcome::Applied("purchase paid and refunded"));
        }
        tenant::set(tx, Tenant::team(creator_team)).await?;
    }
    let (creator_cents, _) = revenue::split(amount_cents);
    outbox::enqueue(
        tx,
        creator_team,
        "template.purchased",
        json!({
            "purchase_id": purchase.purchase_id,
            "template_id": purchase.template_id,
            "template_version": version,
            "amount_cents": amount_cents,
            "creator_cents": creator_cents,
            "currency": "usd",
        }),
    )
    .await?;
    Ok(Outcome::Applied("purchase paid"))
}

async fn payment_failed(
    tx: &mut tenant::Tx,
    session: &CheckoutSession,
) -> Result<Outcome, sqlx::Error> {
    let Some(purchase) = purchase_ref(session) else {
        return Ok(Outcome::Ignored("not a template purchase"));
    };
    tenant::set(tx, Tenant::team(purchase.team_id)).await?;
    let failed =
        sqlx::query("UPDATE purchases SET status = 'failed' WHERE id = $1 AND status = 'pending'")
            .bind(purchase.purchase_id)
            .execute(&mut **tx)
            .await?;
    Ok(if failed.rows_affected() > 0 {
        Outcome::Applied("payment failed")
    } else {
        Outcome::Ignored("purchase already settled")
    })
}

/// A charge's refund, applied to its purchase, or held when the purchase has not
/// completed yet.
async fn refunded(tx: &mut tenant::Tx, charge: &Charge) -> Result<Outcome, sqlx::Error> {
    let Some(intent) = &charge.payment_intent else {
        return Ok(Outcome::Ignored("charge without a payment intent"));
    };
    let found: Option<(Uuid, Uuid, Uuid)> =
        sqlx::query_as("SELECT id, team_id, template_id FROM purchase_by_payment_intent($1)")
            .bind(intent)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((purchase_id, team_id, template_id)) = found else {
        // Stripe does not order events: the Checkout session that paid this charge may
        // not have completed here yet. The refund waits for it (`session_paid` takes it).
        sqlx::query("SELECT hold_early_refund($1, $2, $3)")
            .bind(intent)
            .bind(charge.amount_refunded)
            .bind(charge.refunded)
            .execute(&mut **tx)
            .await?;
        return Ok(Outcome::Applied("refund held until its purchase completes"));
    };
    let refund = Refund {
        amount_cents: charge.amount_refunded,
        in_full: charge.refunded,
    };
    apply_refund(tx, purchase_id, team_id, template_id, &refund).await?;
    Ok(Outcome::Applied(if refund.in_full {
        "refunded"
    } else {
        "partly refunded"
    }))
}

/// What a charge's refund events say: the refunded total so far, and whether it is all.
struct Refund {
    amount_cents: i64,
    in_full: bool,
}

/// A refund reverses the refunded part of the share; a full refund also takes the
/// template back (the team can no longer deploy it).
async fn apply_refund(
    tx: &mut tenant::Tx,
    purchase_id: Uuid,
    team_id: Uuid,
    template_id: Uuid,
    refund: &Refund,
) -> Result<(), sqlx::Error> {
    if refund.in_full {
        tenant::set(tx, Tenant::team(team_id)).await?;
        sqlx::query(
            "UPDATE purchases SET status = 'refunded', refunded_at = now() WHERE id = $1 AND status = 'paid'",
        )
        .bind(purchase_id)
        .execute(&mut **tx)
        .await?;
    }
    let creator_team: Option<Uuid> = sqlx::query_scalar("SELECT template_owner($1)")
        .bind(template_id)
        .fetch_one(&mut **tx)
        .await?;
    if let Some(creator_team) = creator_team {
        tenant::set(tx, Tenant::team(creator_team)).await?;
        revenue::record_refund(
            tx,
            purchase_id,
            creator_team,
            template_id,
            refund.amount_cents,
        )
        .await?;
    }
    Ok(())
}

/// Keeps the subscription as Stripe last described it (older events are skipped) and
/// sets the team's plan to the best one its live subscriptions grant.
async fn subscription_changed(
    tx: &mut tenant::Tx,
    subscription: &Subscription,
    event_created: i64,
) -> Result<Outcome, sqlx::Error> {
    let by_customer: Option<Uuid> = sqlx::query_scalar("SELECT team_by_stripe_customer($1)")
        .bind(&subscription.customer)
        .fetch_one(&mut **tx)
        .await?;
    let team_id = by_customer.or_else(|| subscription.metadata.get("team_id")?.parse().ok());
    let Some(team_id) = team_id else {
        return Ok(Outcome::Ignored("no team for this customer"));
    };
    let tier = subscription
        .metadata
        .get("tier")
        .and_then(|t| PlanTier::parse(t));
    let Some(tier) = tier.filter(|tier| tier.is_paid()) else {
        return Ok(Outcome::Ignored("not one of our plans"));
    };
    tenant::set(tx, Tenant::team(team_id)).await?;
    let period_end = subscription
        .period_end()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0));
    let event_at = chrono::DateTime::from_timestamp(event_created, 0).unwrap_or_default();
    let changed: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO subscriptions (team_id, stripe_subscription_id, stripe_customer_id, tier, status, current_period_end, event_created_at)
         VALUES ($1, $2, $3, $4::plan_tier, $5, $6, $7)
         ON CONFLICT (stripe_subscription_id) DO UPDATE
            SET tier = EXCLUDED.tier, status = EXCLUDED.status, current_period_end = EXCLUDED.current_period_end,
                event_created_at = EXCLUDED.event_created_at, updated_at = now()
          WHERE subscriptions.event_created_at <= EXCLUDED.event_created_at
         RETURNING id",
    )
    .bind(team_id)
    .bind(&subscription.id)
    .bind(&subscription.customer)
    .bind(tier.as_str())
    .bind(&subscription.status)
    .bind(period_end)
    .bind(event_at)
    .fetch_optional(&mut **tx)
    .await?;
    if changed.is_none() {
        return Ok(Outcome::Ignored("older than what we have"));
    }
    let (before, after): (String, String) = sqlx::query_as(
        "WITH old AS (SELECT plan FROM teams WHERE id = $1)
         UPDATE teams SET plan = coalesce(
                (SELECT tier FROM subscriptions
                  WHERE team_id = $1 AND status IN ('active', 'trialing', 'past_due')
                  ORDER BY tier DESC LIMIT 1), 'free')
          WHERE id = $1
         RETURNING (SELECT plan::text FROM old), plan::text",
    )
    .bind(team_id)
    .fetch_one(&mut **tx)
    .await?;
    if before != after {
        audit::record(
            tx,
            audit::Entry {
                team_id: Some(team_id),
                actor: None,
                action: "billing.plan_changed",
                target: Some(("team", team_id.to_string())),
                detail: json!({ "from": before, "to": after, "subscription": subscription.id, "status": subscription.status }),
                ip: None,
            },
        )
        .await?;
    }
    Ok(Outcome::Applied(if subscription.grants_plan() {
        "subscription active"
    } else {
        "subscription ended"
    }))
}
