//! Single-use tokens sent by email (a password reset, an email verification, a new address): 32 random
//! bytes in the link, only their SHA-256 in the database, an expiry, and a use that
//! marks them spent in the same statement that checks them, so two clicks cannot both
//! use one.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use sqlx::PgPool;

use crate::db::tenant::{self, Tenant, Tx};

#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    PasswordReset,
    VerifyEmail,
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::VerifyEmail => "verify_email",
            Purpose::ChangeEmail => "change_email",
        }
    }
}

/// Whose token it is, once used.
pub struct Holder {
    pub user_id: Uuid,
    pub email: String,
}

/// A new token for `user_id`, sent to `email`, valid for `lifetime`.
pub async fn issue(
    tx: &mut Tx,
    user_id: Uuid,
    purpose: Purpose,
    email: &str,
    lifetime: Duration,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email)
    .bind(lifetime.as_secs_f64())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Whether the token would be accepted now (the page a link opens asks before showing
/// its form; scanners that follow links only ever get this far).
pub async fn is_live(db: &PgPool, token: &str, purpose: Purpose) -> Result<bool, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::default()).await?;
    let live = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM account_tokens WHERE token_hash = $1 AND purpose = $2
                          AND used_at IS NULL AND expires_at > now())",
    )
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(live)
}

/// Spends the token: its holder, or `None` when it is unknown, used or expired.
pub async fn consume(
    tx: &mut Tx,
    token: &str,
    purpose: Purpose,
) -> Result<Option<Holder>, sqlx::Error> {
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE account_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id, email",
    )
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(user_id, email)| Holder { user_id, email }))
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
