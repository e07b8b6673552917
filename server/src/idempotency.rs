//! `Idempotency-Key` records: the first request under a key is answered and its
//! response kept for 24 hours; a retry with the same key and the same request gets that
//! response again and creates nothing; the same key with a different request is
//! refused.
//!
//! A record belongs to the caller that made it (the API key, or the signed-in user):
//! another caller's use of the same key is a request of its own. The stored answer is
//! sealed under the team's secrets key, since it may hold what is shown only once (a new
//! API key, a webhook's signing secret).

use app::backend::Actor;
use sqlx::PgPool;

use crate::db::tenant;
use crate::secrets::{Keyring, Sealed};

/// How long a request holds its key without its server renewing the hold (see
/// [`renew`]): a retry may take over the key of a request whose server died this long
/// after the last renewal.
pub const HOLD: std::time::Duration = std::time::Duration::from_secs(10);
/// How often a request that is still being answered renews its hold.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

pub enum Claim {
    /// The key is new: answer the request, then [`complete`] (or [`release`] it).
    Fresh,
    Replay(StoredResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still being answered.
    InProgress,
    /// The answer was stored under a secrets key that is no longer configured.
    Unreadable,
}

pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Whose record it is: the API key, or the person signed in to the web app.
fn principal(actor: &Actor) -> String {
    match actor.api_key_id {
        Some(key_id) => format!("key:{key_id}"),
        None => format!("user:{}", actor.user_id),
    }
}

pub async fn claim(
    db: &PgPool,
    keys: &Keyring,
    actor: &Actor,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, sqlx::Error> {
    let principal = principal(actor);
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2
            AND (created_at < now() - interval '24 hours'
                 OR (status_code IS NULL AND (held_until IS NULL OR held_until < now())))",
    )
    .bind(&principal)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (team_id, principal, key, fingerprint, held_until)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (team_id, principal, key) DO NOTHING",
    )
    .bind(actor.team_id)
    .bind(&principal)
    .bind(key)
    .bind(fingerprint)
    .bind(HOLD.as_secs_f64())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let claim = if inserted {
        Claim::Fresh
    } else {
        let row: Recorded = sqlx::query_as(
            "SELECT fingerprint, status_code, content_type, body, body_nonce FROM idempotency_keys
              WHERE principal = $1 AND key = $2",
        )
        .bind(&principal)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if row.fingerprint != fingerprint {
            Claim::Mismatch
        } else {
            match row.status_code {
                None => Claim::InProgress,
                Some(status) => {
                    let sealed = Sealed {
                        ciphertext: row.body.unwrap_or_default(),
                        nonce: row.body_nonce.unwrap_or_default(),
                    };
                    match keys.open(actor.team_id, &sealed) {
                        Ok(body) => Claim::Replay(StoredResponse {
                            status: status as u16,
                            content_type: row.content_type,
                            body,
                        }),
                        Err(_) => Claim::Unreadable,
                    }
                }
            }
        }
    };
    tx.commit().await?;
    Ok(claim)
}

/// Keeps the response, sealed, to replay it to this caller's retries.
pub async fn complete(
    db: &PgPool,
    keys: &Keyring,
    actor: &Actor,
    key: &str,
    response: &StoredResponse,
) -> Result<(), sqlx::Error> {
    let sealed = keys
        .seal(actor.team_id, &response.body)
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query(
        "UPDATE idempotency_keys
            SET status_code = $3, content_type = $4, body = $5, body_nonce = $6, held_until = NULL
          WHERE principal = $1 AND key = $2",
    )
    .bind(principal(actor))
    .bind(key)
    .bind(i32::from(response.status))
    .bind(&response.content_type)
    .bind(&sealed.ciphertext)
    .bind(&sealed.nonce)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Extends the hold of a request still being answered, so a retry keeps waiting for it.
pub async fn renew(db: &PgPool, actor: &Actor, key: &str) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query(
        "UPDATE idempotency_keys SET held_until = now() + make_interval(secs => $3)
          WHERE principal = $1 AND key = $2 AND status_code IS NULL",
    )
    .bind(principal(actor))
    .bind(key)
    .bind(HOLD.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Frees the key after a failure on our side, so the client's retry is answered afresh.
pub async fn release(db: &PgPool, actor: &Actor, key: &str) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND status_code IS NULL",
    )
    .bind(principal(actor))
    .bind(key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// What was recorded under a key: the request's fingerprint and, once answered, the
/// answer (sealed).
#[derive(sqlx::FromRow)]
struct Recorded {
    fingerprint: Vec<u8>,
    status_code: Option<i32>,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
    body_nonce: Option<Vec<u8>>,
}
