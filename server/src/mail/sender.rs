//! Sends what the outbox holds: claims due rows (a lease, so a sender that dies mid-way
//! leaves them to another), composes each mail — a link's token is made here, at the
//! last moment — sends it, and records the outcome. A failure is retried on a backoff
//! schedule; a permanent one (a malformed address, a 5xx reply) and the last retry give
//! up. Errors are logged without the mail's content, which may hold a token.

use std::sync::Arc;

use sqlx::PgPool;
use uuid::Uuid;

use super::outbox::MailKind;
use super::{Mailer, Rendered};
use crate::metrics::Metrics;

const BATCH: i64 = 20;
/// A claimed mail is not handed out again for this long (its sender may have died):
/// more than a batch takes (each SMTP exchange gives up after 20 s, side by side).
const CLAIM_SECS: f64 = 60.0;
/// Seconds before each retry; the last attempt is the schedule's length + 1.
const RETRY_SECS: [f64; 7] = [10.0, 60.0, 300.0, 900.0, 3600.0, 3.0 * 3600.0, 6.0 * 3600.0];

#[derive(Clone)]
pub struct MailSender {
    pub db: PgPool,
    pub mailer: Arc<Mailer>,
    pub metrics: Arc<Metrics>,
    /// The site's address, for the links in mails.
    pub public_url: String,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: Uuid,
    kind: String,
    recipient: String,
    params: serde_json::Value,
    attempts: i32,
}

impl MailSender {
    pub fn spawn(self) {
        let this = Arc::new(self);
        crate::db::outbox_loop::spawn("mail", move || {
            let this = Arc::clone(&this);
            async move { this.round().await }
        });
    }

    /// Sends one batch of due mail side by side; returns how many were claimed.
    async fn round(&self) -> Result<usize, sqlx::Error> {
        let claimed: Vec<Claimed> = sqlx::query_as(
            "UPDATE mail_outbox SET attempts = attempts + 1,
                    next_attempt_at = now() + make_interval(secs => $2)
              WHERE id IN (SELECT id FROM mail_outbox
                            WHERE status = 'pending' AND next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
              RETURNING id, kind, recipient, params, attempts",
        )
        .bind(BATCH)
        .bind(CLAIM_SECS)
        .fetch_all(&self.db)
        .await?;
        let sends = claimed.iter().map(|mail| async move {
            if let Err(error) = self.send(mail).await {
                tracing::warn!(%error, mail = %mail.id, "mail outcome could not be recorded; it will be retried");
            }
        });
        futures::future::join_all(sends).await;
        Ok(claimed.len())
    }

    async fn send(&self, mail: &Claimed) -> Result<(), sqlx::Error> {
        let Some(rendered) = self.compose(mail).await? else {
            self.metrics.mail_send("skipped");
            return self.finish(mail.id, "skipped", None).await;
        };
        let Err(error) = self.mailer.send(&mail.recipient, &rendered).await else {
            self.metrics.mail_send("sent");
            return self.finish(mail.id, "sent", None).await;
        };
        let retry_in = RETRY_SECS.get(usize::try_from(mail.attempts - 1).unwrap_or(0));
        match retry_in.filter(|_| !error.is_permanent()) {
            Some(secs) => {
                tracing::warn!(%error, mail = %mail.id, kind = %mail.kind, attempt = mail.attempts, "mail not sent; will retry");
                self.metrics.mail_send("retry");
                sqlx::query(
                    "UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3
                      WHERE id = $1",
                )
                .bind(mail.id)
                .bind(secs)
                .bind(error.to_string())
                .execute(&self.db)
                .await?;
                Ok(())
            }
            None => {
                tracing::error!(%error, mail = %mail.id, kind = %mail.kind, attempt = mail.attempts, "mail not sent; giving up");
                self.metrics.mail_send("gave_up");
                self.finish(mail.id, "failed", Some(error.to_string()))
                    .await
            }
        }
    }

    /// The mail to send, or `None` when there is nobody to send it to.
    async fn compose(&self, mail: &Claimed) -> Result<Option<Rendered>, sqlx::Error> {
        match MailKind::parse(&mail.kind) {
            Some(MailKind::PasswordReset) => {
                crate::accounts::password_reset::compose(
                    &self.db,
                    &mail.recipient,
                    &self.public_url,
                )
                .await
            }
            Some(MailKind::VerifyEmail) => {
                crate::accounts::verification::compose(&self.db, &mail.recipient, &self.public_url)
                    .await
            }
            Some(MailKind::Invitation) => {
                let (db, to, params) = (&self.db, &mail.recipient, &mail.params);
                crate::teams::invitation_mail::compose(db, to, params, &self.public_url).await
            }
            Some(MailKind::ChangeEmail) => {
                let (db, to, params) = (&self.db, &mail.recipient, &mail.params);
                crate::accounts::email_change::compose(db, to, params, &self.public_url).await
            }
            Some(MailKind::EmailChangeNotice) => Ok(Some(crate::accounts::email_change::notice(
                &mail.params,
                &self.public_url,
            ))),
            None => {
                tracing::error!(kind = %mail.kind, mail = %mail.id, "mail of an unknown kind; skipped");
                Ok(None)
            }
        }
    }

    async fn finish(
        &self,
        id: Uuid,
        status: &str,
        error: Option<String>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE mail_outbox SET status = $2, last_error = coalesce($3, last_error),
                    sent_at = CASE WHEN $2 = 'sent' THEN now() END
              WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .execute(&self.db)
        .await?;
        Ok(())
    }
}
