//! Forgotten passwords. A request is rate limited per email and per address, then
//! becomes an outbox row and an audit row — the same two inserts whether or not the
//! address has an account, so the answer and its timing say nothing. The mail sender
//! composes the mail later ([`compose`]): only then is the account looked up and a
//! token made, so no usable token waits in the outbox. Using the link sets the password,
//! spends the token, ends every session and is recorded in each of the user's teams.

use std::time::Duration;

use app::auth::{Email, Password};
use app::backend::ClientInfo;
use app::error::AppError;
use serde_json::json;
use sqlx::PgPool;

use super::tokens::{self, Purpose};
use super::{AccountsService, attempts, profile, record_in_each_team, store};
use crate::audit;
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use crate::mail::Rendered;
use crate::mail::outbox::{self, MailKind};
use crate::mail::templates;

/// How long a reset link works.
const LINK_LIFETIME: Duration = Duration::from_secs(60 * 60);

impl AccountsService {
    pub async fn request_password_reset(
        &self,
        email: Email,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        self.mail_on("reset links")?;
        self.within(&attempts::RESET_REQUESTS, email.as_str(), client)
            .await?;
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        outbox::enqueue(&mut tx, MailKind::PasswordReset, email.as_str(), json!({})).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                team_id: None,
                actor: None,
                action: "user.password_reset_requested",
                target: None,
                detail: json!({ "email": email.as_str() }),
                ip: client.ip,
            },
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn reset_link_is_live(&self, token: &str) -> Result<bool, ServerError> {
        Ok(tokens::is_live(&self.db, token, Purpose::PasswordReset).await?)
    }

    pub async fn reset_password(
        &self,
        token: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let Some(holder) = tokens::consume(&mut tx, token, Purpose::PasswordReset).await? else {
            return Err(AppError::Conflict(
                "This link has expired or was already used. Ask for a new one.".into(),
            )
            .into());
        };
        let hash = self.hasher.hash(password.expose()).await?;
        profile::set_password_hash(&mut tx, holder.user_id, &hash).await?;
        record_in_each_team(
            &mut tx,
            holder.user_id,
            "user.password_reset",
            json!({}),
            client.ip,
        )
        .await?;
        tx.commit().await?;
        self.sessions
            .revoke_all(&self.cache, holder.user_id, None)
            .await?;
        attempts::SIGN_IN_FAILURES
            .reset(&self.cache, &holder.email)
            .await?;
        Ok(())
    }
}

/// The reset mail for `email`, with a fresh link; `None` when no account uses it.
pub async fn compose(
    db: &PgPool,
    email: &str,
    public_url: &str,
) -> Result<Option<Rendered>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::default()).await?;
    let Some(user) = store::user_by_email(&mut tx, email).await? else {
        tx.commit().await?;
        return Ok(None);
    };
    let token = tokens::issue(
        &mut tx,
        user.id,
        Purpose::PasswordReset,
        email,
        LINK_LIFETIME,
    )
    .await?;
    tx.commit().await?;
    let link = format!("{public_url}/reset-password?token={token}");
    Ok(Some(templates::password_reset(&link)))
}
