//! Buying a paid template: a pending purchase, then a Stripe Checkout session at our own
//! price (the client never names one). Only Stripe's webhook marks it paid; the page the
//! buyer returns to just waits for that.

use std::collections::HashMap;

use app::auth::Role;
use app::backend::Actor;
use app::error::AppError;
use app::marketplace::{PurchaseState, Redirect};
use sqlx::PgPool;
use uuid::Uuid;

use crate::billing::stripe_client::{CheckoutKind, CheckoutRequest};
use crate::billing::{Payments, stripe_failed};
use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;

pub async fn buy(
    db: &PgPool,
    payments: &Payments,
    actor: &Actor,
    template_id: Uuid,
) -> Result<Redirect, ServerError> {
    at_least(actor.role, Role::Admin)?;
    let gateway = payments.gateway()?.clone();
    let mut tx = tenant::begin_as(db, actor).await?;
    let template: Option<(String, String, i64, i32, Uuid, bool)> = sqlx::query_as(
        "SELECT t.slug, t.title, t.price_cents, t.current_version, t.team_id,
                EXISTS (SELECT 1 FROM purchases p WHERE p.template_id = t.id AND p.status = 'paid')
           FROM templates t WHERE t.id = $1 AND t.status = 'published'",
    )
    .bind(template_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (slug, title, price_cents, version, creator_team, owned) =
        template.ok_or(AppError::NotFound)?;
    if price_cents == 0 {
        return Err(AppError::Conflict("This template is free: deploy it directly.".into()).into());
    }
    if creator_team == actor.team_id {
        return Err(AppError::Conflict("This is your team's own template.".into()).into());
    }
    if owned {
        return Err(AppError::Conflict("Your team already owns this template.".into()).into());
    }
    let purchase_id: Uuid = sqlx::query_scalar(
        "INSERT INTO purchases (team_id, template_id, template_version, amount_cents, status, buyer_user_id)
         VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
    )
    .bind(actor.team_id)
    .bind(template_id)
    .bind(version)
    .bind(price_cents)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    ?;
    tx.commit().await?;

    let customer = payments.customer(db, actor).await?;
    let session = gateway
        .create_checkout(&CheckoutRequest {
            kind: CheckoutKind::Payment,
            customer,
            product_name: title,
            amount_cents: price_cents,
            metadata: HashMap::from([
                ("kind".to_string(), "template".to_string()),
                ("purchase_id".to_string(), purchase_id.to_string()),
                ("team_id".to_string(), actor.team_id.to_string()),
                ("template_id".to_string(), template_id.to_string()),
                ("template_version".to_string(), version.to_string()),
            ]),
            // Stripe fills in {CHECKOUT_SESSION_ID} itself.
            success_url: payments.url(&format!(
                "/marketplace/{slug}/purchase?session_id={{CHECKOUT_SESSION_ID}}"
            )),
            cancel_url: payments.url(&format!("/marketplace/{slug}")),
            idempotency_key: format!("purchase-{purchase_id}"),
        })
        .await
        .map_err(stripe_failed)?;
    let mut tx = tenant::begin_as(db, actor).await?;
    sqlx::query("UPDATE purchases SET stripe_checkout_session_id = $2 WHERE id = $1")
        .bind(purchase_id)
        .bind(&session.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect { url: session.url })
}

pub async fn state(
    db: &PgPool,
    actor: &Actor,
    checkout_session_id: &str,
) -> Result<PurchaseState, ServerError> {
    let mut tx = tenant::begin_as(db, actor).await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM purchases WHERE stripe_checkout_session_id = $1")
            .bind(checkout_session_id)
            .fetch_optional(&mut *tx)
            .await?;
    tenant::done_reading(tx);
    match status.as_deref().ok_or(AppError::NotFound)? {
        "paid" => Ok(PurchaseState::Paid),
        "failed" => Ok(PurchaseState::Failed),
        "refunded" => Ok(PurchaseState::Refunded),
        _ => Ok(PurchaseState::Pending),
    }
}
