//! PostgreSQL: the application pool and migrations (as the owner role).

pub mod notify;
pub mod outbox_loop;
pub mod purge;
pub mod schema;
pub mod tenant;

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::{Config, Secret};

/// The application role's pool. Lazy, so the server starts (and `/ready` reports the
/// outage) while PostgreSQL is still coming up or briefly gone.
pub fn app_pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        // While PostgreSQL is down every acquire waits this long and then fails; the
        // request answers 503 with Retry-After (see errors::ServerError) instead of hanging.
        .acquire_timeout(config.database_acquire_timeout)
        // sqlx pings each connection when it is released; pinging again on every
        // acquire would add a round trip to each request. A connection idle for a
        // second or more is checked (after a database restart every idle one is), and
        // tenant::begin retries the rare one that died in between.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= Duration::from_secs(1) {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_lazy(config.database_url.expose())
}

/// Applies every pending migration as the owner role and returns the owner's pool for
/// the other start-up work that needs it.
pub async fn migrate(owner_url: &Secret) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(owner_url.expose())
        .await?;
    schema::MIGRATOR.run(&pool).await?;
    Ok(pool)
}
