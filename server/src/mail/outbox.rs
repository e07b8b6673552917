//! The mail outbox: a mail to send becomes a row in the same transaction as the action
//! that sends it, so it goes out only once that action committed and is never lost if
//! the process stops right after.

use serde_json::Value;

/// What a mail is about; the sender composes it when it sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// A password-reset link, to whoever owns the address (nobody: nothing is sent).
    PasswordReset,
    /// A link that verifies the address (already verified: nothing is sent).
    VerifyEmail,
    /// A team's invitation (accepted, revoked or expired meanwhile: nothing is sent).
    Invitation,
    /// A link to an address an account asked to move to (the account gone: nothing).
    ChangeEmail,
    /// To the address an account is leaving: asked for (`done` false) or done.
    EmailChangeNotice,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::VerifyEmail => "verify_email",
            MailKind::Invitation => "invitation",
            MailKind::ChangeEmail => "change_email",
            MailKind::EmailChangeNotice => "email_change_notice",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "password_reset" => Some(MailKind::PasswordReset),
            "verify_email" => Some(MailKind::VerifyEmail),
            "invitation" => Some(MailKind::Invitation),
            "change_email" => Some(MailKind::ChangeEmail),
            "email_change_notice" => Some(MailKind::EmailChangeNotice),
            _ => None,
        }
    }
}

/// Queues a mail of `kind` to `recipient`.
pub async fn enqueue(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    kind: MailKind,
    recipient: &str,
    params: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO mail_outbox (kind, recipient, params) VALUES ($1, $2, $3)")
        .bind(kind.as_str())
        .bind(recipient)
        .bind(params)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
