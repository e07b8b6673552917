//! Waking idle workers when work is committed: LISTEN on a channel a trigger notifies,
//! reconnecting after a database restart. Workers poll now and then too, so a missed
//! notification only delays work.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

/// Wakes `wake`'s waiters on every notification of `channel`, until aborted.
pub async fn wake_on(database_url: String, channel: &'static str, wake: Arc<Notify>) {
    loop {
        match PgListener::connect(&database_url).await {
            Ok(mut listener) => {
                if listener.listen(channel).await.is_ok() {
                    while listener.recv().await.is_ok() {
                        wake.notify_waiters();
                    }
                }
            }
            Err(error) => tracing::debug!(%error, channel, "notifications unavailable; polling"),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
