//! The loop of a worker that drains an outbox table (webhook deliveries, mail): one
//! round after another while rounds find work, a pause when one finds none or the
//! database cannot answer.

use std::future::Future;
use std::time::Duration;

/// How long a drained (or failing) outbox waits before looking again.
const IDLE: Duration = Duration::from_secs(1);

/// Spawns the loop; `round` handles one batch and says how many rows it took.
pub fn spawn<F, R>(name: &'static str, round: F)
where
    F: Fn() -> R + Send + 'static,
    R: Future<Output = Result<usize, sqlx::Error>> + Send,
{
    tokio::spawn(async move {
        loop {
            match round().await {
                Ok(0) => tokio::time::sleep(IDLE).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, outbox = name, "database unavailable; will retry");
                    tokio::time::sleep(IDLE).await;
                }
            }
        }
    });
}
