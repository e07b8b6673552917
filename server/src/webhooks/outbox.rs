//! The outbox: an event becomes one delivery row per subscribed endpoint, written in the
//! same transaction as the change it reports, so it is sent only once that change has
//! committed, and never lost if the process stops right after.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::tenant;

/// The events an endpoint can subscribe to.
pub const EVENTS: [&str; 3] = ["run.succeeded", "run.failed", "template.purchased"];
/// Sent only by "Send test event".
pub const TEST_EVENT: &str = "webhook.test";

/// Queues `event` for every enabled endpoint of the team that subscribed to it.
pub async fn enqueue(
    tx: &mut tenant::Tx,
    team_id: Uuid,
    event: &str,
    data: Value,
) -> Result<u64, sqlx::Error> {
    let payload = json!({
        "type": event,
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    });
    let queued = sqlx::query(
        "INSERT INTO webhook_deliveries (team_id, webhook_id, event_type, payload)
         SELECT team_id, id, $2, $3 FROM webhooks WHERE team_id = $1 AND enabled AND $2 = ANY(events)",
    )
    .bind(team_id)
    .bind(event)
    .bind(payload)
    .execute(&mut **tx)
    .await?;
    Ok(queued.rows_affected())
}
