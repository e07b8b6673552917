//! The scheduled purges: accounts deleted more than 30 days ago, and idempotency
//! records past their 24-hour replay window.

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
pub fn spawn_hourly(pool: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
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
        }
    });
}
