//! A creator's earnings: each sale with its 70 % share (less refunds), totals per month,
//! what awaits payout, and Stripe Connect onboarding for payouts.

use app::auth::Role;
use app::backend::Actor;
use app::marketplace::{ConnectStatus, Earnings, MonthTotal, Redirect, SaleRow};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::accounts::verification::EmailGate;
use crate::billing::{Payments, stripe_failed};
use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;

pub async fn earnings(
    db: &PgPool,
    payments: &Payments,
    actor: &Actor,
) -> Result<Earnings, ServerError> {
    at_least(actor.role, Role::Admin)?;
    let mut tx = tenant::begin_as(db, actor).await?;
    let months: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT to_char(date_trunc('month', created_at), 'YYYY-MM') AS month,
                count(*) FILTER (WHERE beneficiary = 'creator' AND kind = 'sale') AS sales,
                coalesce(sum(amount_cents) FILTER (WHERE kind = 'sale'), 0)::bigint AS gross,
                coalesce(sum(amount_cents) FILTER (WHERE beneficiary = 'creator'), 0)::bigint AS creator
           FROM revenue_shares GROUP BY 1 ORDER BY 1 DESC LIMIT 24",
    )
    .fetch_all(&mut *tx)
    .await
    ?;
    #[allow(clippy::type_complexity, reason = "one tuple, read once, below")]
    let sales: Vec<(String, i64, i64, i64, Option<String>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT coalesce(t.title, 'A removed template') AS title,
                coalesce(sum(rs.amount_cents) FILTER (WHERE rs.kind = 'sale'), 0)::bigint AS amount,
                coalesce(sum(rs.amount_cents) FILTER (WHERE rs.beneficiary = 'creator' AND rs.kind = 'sale'), 0)::bigint AS creator,
                coalesce(sum(rs.amount_cents) FILTER (WHERE rs.beneficiary = 'creator' AND rs.kind = 'reversal'), 0)::bigint AS reversed,
                max(rs.payout_status) FILTER (WHERE rs.beneficiary = 'creator') AS payout_status,
                min(rs.created_at) AS created_at
           FROM revenue_shares rs LEFT JOIN templates t ON t.id = rs.template_id
          GROUP BY rs.purchase_id, t.title ORDER BY min(rs.created_at) DESC LIMIT 100",
    )
    .fetch_all(&mut *tx)
    .await
    ?;
    let (pending, connect_account): (i64, Option<String>) = sqlx::query_as(
        "SELECT (SELECT coalesce(sum(amount_cents), 0)::bigint FROM revenue_shares
                  WHERE beneficiary = 'creator' AND payout_status = 'pending'),
                (SELECT stripe_connect_account_id FROM teams WHERE id = $1)",
    )
    .bind(actor.team_id)
    .fetch_one(&mut *tx)
    .await?;
    tenant::done_reading(tx);
    let connect_enabled = payments
        .gateway
        .as_ref()
        .is_some_and(|g| g.connect_enabled());
    Ok(Earnings {
        months: months
            .into_iter()
            .map(|(month, sales, gross_cents, creator_cents)| MonthTotal {
                month,
                sales,
                gross_cents,
                creator_cents,
            })
            .collect(),
        sales: sales
            .into_iter()
            .map(
                |(
                    template_title,
                    amount_cents,
                    creator_cents,
                    reversed_cents,
                    payout_status,
                    created_at,
                )| {
                    SaleRow {
                        template_title,
                        amount_cents,
                        creator_cents,
                        reversed_cents,
                        payout_status: payout_status.unwrap_or_else(|| "pending".into()),
                        created: crate::display::time(created_at),
                    }
                },
            )
            .collect(),
        pending_payout_cents: pending,
        connect: connect_enabled.then_some(if connect_account.is_some() {
            ConnectStatus::Onboarding
        } else {
            ConnectStatus::NotStarted
        }),
    })
}

pub async fn connect_onboarding(
    db: &PgPool,
    payments: &Payments,
    email_gate: EmailGate,
    actor: &Actor,
) -> Result<Redirect, ServerError> {
    at_least(actor.role, Role::Owner)?;
    let gateway = payments.gateway()?.clone();
    let mut tx = tenant::begin_as(db, actor).await?;
    email_gate
        .check(&mut tx, actor.user_id, || {
            "Confirm your email address before setting up payouts: follow the link we sent (the banner at the top sends it again).".into()
        })
        .await?;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT stripe_connect_account_id FROM teams WHERE id = $1")
            .bind(actor.team_id)
            .fetch_one(&mut *tx)
            .await?;
    tenant::done_reading(tx);
    let onboarding = gateway
        .onboarding(
            actor.team_id,
            existing.as_deref(),
            &payments.url("/settings/earnings"),
            &payments.url("/settings/earnings?connected=1"),
        )
        .await
        .map_err(stripe_failed)?;
    let mut tx = tenant::begin_as(db, actor).await?;
    sqlx::query("UPDATE teams SET stripe_connect_account_id = $2 WHERE id = $1")
        .bind(actor.team_id)
        .bind(&onboarding.account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect {
        url: onboarding.url,
    })
}
