//! The hourly jobs: purging accounts deleted more than 30 days ago and idempotency
//! records past their 24-hour replay window, and re-encrypting secrets after a key
//! rotation.

use std::time::Duration;

use sqlx::PgPool;

const EVERY: Duration = Duration::from_secs(3600);

pub async fn purge_deleted_accounts(pool: &PgPool) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT purge_deleted_accounts()")
        .fetch_one(pool)
        .await
}

/// Runs the purge hourly for as long as the server runs. A failed round is logged and
/// retried at the next one; nothing is lost by waiting.
pub fn spawn_hourly(pool: PgPool, keys: std::sync::Arc<crate::secrets::Keyring>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            // After a key rotation: values under the previous key move to the current one.
            match crate::secrets_rotation::rewrap_all(&pool, &keys).await {
                Ok(done) if done.rewritten > 0 || done.unreadable > 0 => tracing::info!(
                    rewritten = done.rewritten,
                    unreadable = done.unreadable,
                    "re-encrypted secrets under the current key"
                ),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "secrets re-encryption failed; will retry"),
            }
            match purge_deleted_accounts(&pool).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged deleted accounts"),
                Err(error) => tracing::warn!(%error, "account purge failed; will retry"),
            }
            let idempotency: Result<i32, _> = sqlx::query_scalar("SELECT purge_idempotency_keys()")
                .fetch_one(&pool)
                .await;
            if let Err(error) = idempotency {
                tracing::warn!(%error, "idempotency purge failed; will retry");
            }
            if let Err(error) = purge_mail(&pool).await {
                tracing::warn!(%error, "mail purge failed; will retry");
            }
        }
    });
}

/// Mail is kept a month after it was sent (or given up on), for the operator to look
/// into; spent or expired tokens a day.
async fn purge_mail(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM mail_outbox WHERE status <> 'pending' AND created_at < now() - interval '30 days'",
    )
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day'")
        .execute(pool)
        .await?;
    Ok(())
}
