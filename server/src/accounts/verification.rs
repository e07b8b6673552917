//! Email verification. Signing up (while email is on) sends a link to the address;
//! following it and confirming (a POST: mail scanners only ever GET) records that the
//! person reads mail there. A banner in the app offers to send the link again. While
//! email is on, the actions that vouch for a person to others wait for it: publishing
//! to the marketplace, payouts, becoming a team's owner ([`EmailGate`]).

use std::time::Duration;

use app::backend::{ClientInfo, SessionToken};
use app::error::AppError;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::tokens::{self, Purpose};
use super::{AccountsService, attempts, record_in_each_team, store};
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::mail::Rendered;
use crate::mail::outbox::{self, MailKind};
use crate::mail::templates;

/// How long a verification link works.
const LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Whether actions that need a verified address may go ahead. While email is off
/// nobody could verify, so nothing waits for it.
#[derive(Debug, Clone, Copy)]
pub struct EmailGate {
    pub required: bool,
}

impl EmailGate {
    /// `Ok` when `user_id` has verified their address (or verification is off); else a
    /// refusal that says what waits for it.
    pub async fn check(
        &self,
        tx: &mut Tx,
        user_id: Uuid,
        refusal: impl FnOnce() -> String,
    ) -> Result<(), ServerError> {
        if !self.required || is_verified(tx, user_id).await? {
            return Ok(());
        }
        Err(AppError::Conflict(refusal()).into())
    }
}

pub async fn is_verified(tx: &mut Tx, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let verified: Option<bool> =
        sqlx::query_scalar("SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(verified.unwrap_or(false))
}

impl AccountsService {
    /// Queues the verification mail again for the signed-in person.
    pub async fn resend_verification(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        self.mail_on("verification links")?;
        let viewer = self.viewer(token).await?.ok_or(AppError::Unauthenticated)?;
        self.within(&attempts::VERIFY_REQUESTS, &viewer.email, client)
            .await?;
        let mut tx = tenant::begin(&self.db, Tenant::user(viewer.user_id)).await?;
        outbox::enqueue(&mut tx, MailKind::VerifyEmail, &viewer.email, json!({})).await?;
        Ok(tx.commit().await?)
    }

    pub async fn verify_link_is_live(&self, token: &str) -> Result<bool, ServerError> {
        Ok(tokens::is_live(&self.db, token, Purpose::VerifyEmail).await?)
    }

    pub async fn verify_email(&self, token: &str, client: &ClientInfo) -> Result<(), ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let Some(holder) = tokens::consume(&mut tx, token, Purpose::VerifyEmail).await? else {
            return Err(AppError::Conflict(
                "This link has expired or was already used. Send a new one from the banner in the app.".into(),
            )
            .into());
        };
        // Only for the address the link was sent to, should the account have moved on.
        let verified = sqlx::query(
            "UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
              WHERE id = $1 AND email = $2",
        )
        .bind(holder.user_id)
        .bind(&holder.email)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if verified == 0 {
            return Err(AppError::Conflict(
                "This link was sent to an address your account no longer uses.".into(),
            )
            .into());
        }
        let detail = json!({ "email": holder.email });
        record_in_each_team(
            &mut tx,
            holder.user_id,
            "user.email_verified",
            detail,
            client.ip,
        )
        .await?;
        Ok(tx.commit().await?)
    }
}

/// The verification mail for `email`, with a fresh link; `None` when no account uses it
/// or it is verified already.
pub async fn compose(
    db: &PgPool,
    email: &str,
    public_url: &str,
) -> Result<Option<Rendered>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::default()).await?;
    let user = store::user_by_email(&mut tx, email).await?;
    let pending = match &user {
        Some(user) => !is_verified(&mut tx, user.id).await?,
        None => false,
    };
    let Some(user) = user.filter(|_| pending) else {
        tx.commit().await?;
        return Ok(None);
    };
    let token = tokens::issue(&mut tx, user.id, Purpose::VerifyEmail, email, LINK_LIFETIME).await?;
    tx.commit().await?;
    let link = format!("{public_url}/verify-email?token={token}");
    Ok(Some(templates::verify_email(&link)))
}
