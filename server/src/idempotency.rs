//! `Idempotency-Key` records: the first request under a key is answered and its
//! response kept for 24 hours; a retry with the same key and the same request gets that
//! response again and creates nothing; the same key with a different request is
//! refused. Keys are per team.

use app::backend::Actor;
use sqlx::{PgPool, Row};

use crate::db::tenant;

/// A first request that crashed before answering holds its key this long; after that
/// a retry may take the key over.
const ABANDONED_AFTER: &str = "5 minutes";

pub enum Claim {
    /// The key is new: answer the request, then [`complete`] (or [`release`] it).
    Fresh,
    Replay(StoredResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still being answered.
    InProgress,
}

pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

pub async fn claim(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, sqlx::Error> {
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE key = $1
            AND (created_at < now() - interval '24 hours'
                 OR (status_code IS NULL AND created_at < now() - $2::interval))",
    )
    .bind(key)
    .bind(ABANDONED_AFTER)
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (team_id, key, fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT (team_id, key) DO NOTHING",
    )
    .bind(actor.team_id)
    .bind(key)
    .bind(fingerprint)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let claim = if inserted {
        Claim::Fresh
    } else {
        let row = sqlx::query(
            "SELECT fingerprint, status_code, content_type, body FROM idempotency_keys WHERE key = $1",
        )
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if row.try_get::<Vec<u8>, _>("fingerprint")? != fingerprint {
            Claim::Mismatch
        } else {
            match row.try_get::<Option<i32>, _>("status_code")? {
                None => Claim::InProgress,
                Some(status) => Claim::Replay(StoredResponse {
                    status: status as u16,
                    content_type: row.try_get("content_type")?,
                    body: row
                        .try_get::<Option<Vec<u8>>, _>("body")?
                        .unwrap_or_default(),
                }),
            }
        }
    };
    tx.commit().await?;
    Ok(claim)
}

/// Keeps the response to replay it to retries.
pub async fn complete(
    db: &PgPool,
    actor: &Actor,
    key: &str,
    response: &StoredResponse,
) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query(
        "UPDATE idempotency_keys SET status_code = $2, content_type = $3, body = $4 WHERE key = $1",
    )
    .bind(key)
    .bind(i32::from(response.status))
    .bind(&response.content_type)
    .bind(&response.body)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Frees the key after a failure on our side, so the client's retry is answered afresh.
pub async fn release(db: &PgPool, actor: &Actor, key: &str) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, tenant::Tenant::of(actor)).await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND status_code IS NULL")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
