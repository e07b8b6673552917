//! Changing the account's email address. With email on, the new address gets a link
//! (it must be read before the account moves to it) and the old one is told at once;
//! following the link (a POST, like every link of ours) moves the account, marks the new
//! address verified and tells the old one again. With email off nothing could be
//! confirmed, so the password alone changes it.

use std::time::Duration;

use app::auth::{Email, Password};
use app::backend::{ClientInfo, SessionToken};
use app::error::AppError;
use app::profile::EmailChange;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::tokens::{self, Purpose};
use super::{AccountsService, attempts, record_in_each_team, store};
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::mail::Rendered;
use crate::mail::outbox::{self, MailKind};
use crate::mail::templates;

/// How long the link to the new address works.
const LINK_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

impl AccountsService {
    pub async fn request_email_change(
        &self,
        token: &SessionToken,
        new: Email,
        password: Password,
        client: &ClientInfo,
    ) -> Result<EmailChange, ServerError> {
        let session = self.signed_in(token).await?;
        let mut tx = tenant::begin(&self.db, Tenant::user(session.user_id)).await?;
        let user = store::user_by_id(&mut tx, session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if new.as_str() == user.email {
            return Err(AppError::invalid("email", "That is already your address.").into());
        }
        self.within(&attempts::VERIFY_REQUESTS, &user.email, client)
            .await?;
        if !self
            .hasher
            .verify(password.expose(), &user.password_hash)
            .await?
        {
            return Err(AppError::invalid(
                "current_password",
                "That is not your current password.",
            )
            .into());
        }
        if !self.mail_enabled {
            move_account(&mut tx, user.id, &user.email, new.as_str(), client).await?;
            tx.commit().await?;
            let email = new.as_str().to_owned();
            return Ok(EmailChange::Changed { email });
        }
        let to = new.as_str();
        outbox::enqueue(
            &mut tx,
            MailKind::ChangeEmail,
            to,
            json!({ "user_id": user.id }),
        )
        .await?;
        let notice = json!({ "new_email": to, "done": false });
        outbox::enqueue(&mut tx, MailKind::EmailChangeNotice, &user.email, notice).await?;
        let detail = json!({ "to": to });
        record_in_each_team(
            &mut tx,
            user.id,
            "user.email_change_requested",
            detail,
            client.ip,
        )
        .await?;
        tx.commit().await?;
        let email = to.to_owned();
        Ok(EmailChange::LinkSent { email })
    }

    pub async fn email_change_link_is_live(&self, token: &str) -> Result<bool, ServerError> {
        Ok(tokens::is_live(&self.db, token, Purpose::ChangeEmail).await?)
    }

    pub async fn confirm_email_change(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let Some(holder) = tokens::consume(&mut tx, token, Purpose::ChangeEmail).await? else {
            return Err(AppError::Conflict(
                "This link has expired or was already used. Ask for a new one in Settings → Profile.".into(),
            )
            .into());
        };
        let user = store::user_by_id(&mut tx, holder.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        move_account(&mut tx, user.id, &user.email, &holder.email, client).await?;
        let notice = json!({ "new_email": holder.email, "done": true });
        outbox::enqueue(&mut tx, MailKind::EmailChangeNotice, &user.email, notice).await?;
        Ok(tx.commit().await?)
    }
}

/// Moves the account to `to`, verified, with the audit row; refused if another account
/// took the address meanwhile.
async fn move_account(
    tx: &mut Tx,
    user_id: Uuid,
    from: &str,
    to: &str,
    client: &ClientInfo,
) -> Result<(), ServerError> {
    let moved = sqlx::query(
        "UPDATE users SET email = $2, email_verified_at = now(), updated_at = now()
          WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user_id)
    .bind(to)
    .execute(&mut **tx)
    .await;
    match moved {
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            return Err(AppError::Conflict(
                "Another account uses that address. Choose another one.".into(),
            )
            .into());
        }
        moved => moved?,
    };
    let detail = json!({ "from": from, "to": to });
    record_in_each_team(tx, user_id, "user.email_changed", detail, client.ip).await
}

/// The link to the new address for the outbox row's `params` (`user_id`); `None` when
/// the account is gone.
pub async fn compose(
    db: &PgPool,
    email: &str,
    params: &Value,
    public_url: &str,
) -> Result<Option<Rendered>, sqlx::Error> {
    let Some(user_id) = params["user_id"]
        .as_str()
        .and_then(|v| v.parse::<Uuid>().ok())
    else {
        tracing::error!("an email-change mail without its account; skipped");
        return Ok(None);
    };
    let mut tx = tenant::begin(db, Tenant::user(user_id)).await?;
    if store::user_by_id(&mut tx, user_id).await?.is_none() {
        tx.commit().await?;
        return Ok(None);
    }
    let token = tokens::issue(&mut tx, user_id, Purpose::ChangeEmail, email, LINK_LIFETIME).await?;
    tx.commit().await?;
    Ok(Some(templates::change_email(&format!(
        "{public_url}/change-email?token={token}"
    ))))
}

/// The notice to the address an account is leaving.
pub fn notice(params: &Value, public_url: &str) -> Rendered {
    let new_address = params["new_email"].as_str().unwrap_or("another address");
    let done = params["done"].as_bool().unwrap_or(false);
    templates::email_change_notice(new_address, done, &format!("{public_url}/forgot-password"))
}
