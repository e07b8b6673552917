//! A run's events for whoever follows it, from any server instance: live from the
//! event bus after a given event, and — when the bus has nothing for the run (expired,
//! or Redis is down) — replayed from its recorded steps once it has ended, so a
//! follower always learns the outcome. How they reach a client (server-sent events) is
//! the HTTP layer's business (`http::run_events`).

use std::time::Duration;

use app::runs::{RunEvent, RunStatus};
use app::spec::MicroUsd;
use futures::{SinkExt, Stream};
use sqlx::PgPool;
use uuid::Uuid;

use super::event_bus::EventBus;
use super::store;
use crate::db::tenant::{self, Tenant};

/// Why a run cannot be followed.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// No such run in the team (another team's is the same).
    #[error("no such run")]
    NotFound,
    #[error("the run could not be looked up")]
    Unavailable(#[from] sqlx::Error),
}

/// One event, with its id on the bus when it came from there (a follower resumes after
/// it); events replayed from the database have none.
pub struct Followed {
    pub id: Option<String>,
    pub event: RunEvent,
}

/// Whether `id` is an event id of ours (a bus stream id, `<ms>-<seq>`), as a
/// reconnecting client hands it back.
pub fn is_event_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// The team's run's events after `after` (from the start when `None`), until the run
/// has finished or the stream is dropped.
pub async fn follow(
    db: PgPool,
    bus: EventBus,
    team_id: Uuid,
    run_id: Uuid,
    after: Option<String>,
) -> Result<impl Stream<Item = Followed>, EventsError> {
    if status(&db, team_id, run_id).await?.is_none() {
        return Err(EventsError::NotFound);
    }
    let (sender, receiver) = futures::channel::mpsc::channel::<Followed>(64);
    let after = after.unwrap_or_else(|| "0".to_string());
    tokio::spawn(produce(db, bus, team_id, run_id, after, sender));
    Ok(receiver)
}

/// Feeds the follower until the run has finished or the follower has gone away.
async fn produce(
    db: PgPool,
    bus: EventBus,
    team_id: Uuid,
    run_id: Uuid,
    mut after: String,
    mut sender: futures::channel::mpsc::Sender<Followed>,
) {
    let mut seen_any = after != "0";
    let mut connection = None;
    loop {
        if connection.is_none() {
            connection = bus.cache().dedicated().await.ok();
        }
        let read = match connection.as_mut() {
            Some(connection) => bus
                .read(connection, run_id, &after, Duration::from_secs(5))
                .await
                .ok(),
            None => None,
        };
        if read.is_none() {
            connection = None;
        }
        match read {
            Some(entries) if !entries.is_empty() => {
                for (id, event) in entries {
                    let finished = matches!(event, RunEvent::Finished { .. });
                    let followed = Followed {
                        id: Some(id.clone()),
                        event,
                    };
                    if sender.send(followed).await.is_err() || finished {
                        return;
                    }
                    after = id;
                    seen_any = true;
                }
            }
            // Nothing new: if the run has ended but its events are gone (or Redis is
            // down), replay it from the database.
            other => {
                let ended = matches!(status(&db, team_id, run_id).await, Ok(Some(status)) if status.is_final());
                if ended {
                    // Everything, or — for a follower that saw the run live — just how
                    // it ended (its `finished` event may have been lost with Redis).
                    let mut events = replay(&db, team_id, run_id).await;
                    if seen_any && other.is_some() {
                        events = events.split_off(events.len().saturating_sub(1));
                    }
                    for event in events {
                        if sender.send(Followed { id: None, event }).await.is_err() {
                            return;
                        }
                    }
                    return;
                }
                if sender.is_closed() {
                    return;
                }
                if other.is_none() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

async fn status(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> Result<Option<RunStatus>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let status: Option<String> = sqlx::query_scalar("SELECT status::text FROM runs WHERE id = $1")
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(status.and_then(|s| RunStatus::parse(&s)))
}

/// The recorded run as events: its steps, then how it ended.
async fn replay(db: &PgPool, team_id: Uuid, run_id: Uuid) -> Vec<RunEvent> {
    let Ok(steps) = store::steps(db, team_id, run_id).await else {
        return Vec::new();
    };
    let mut events: Vec<RunEvent> = steps
        .into_iter()
        .map(|step| RunEvent::Step { step })
        .collect();
    let Ok(mut tx) = tenant::begin(db, Tenant::team(team_id)).await else {
        return events;
    };
    let ended: Result<Option<Ended>, _> = sqlx::query_as(
        "SELECT status::text AS status, output, failure_reason, failure_detail, cost_micro_usd,
                coalesce(extract(epoch FROM finished_at - coalesce(started_at, created_at)) * 1000, 0)::bigint AS ms
           FROM runs WHERE id = $1",
    )
    .bind(run_id)
    .fetch_optional(&mut *tx)
    .await;
    if let Ok(Some(ended)) = ended {
        events.push(RunEvent::Finished {
            status: RunStatus::parse(&ended.status).unwrap_or(RunStatus::Failed),
            output: ended.output,
            reason: ended.failure_reason,
            detail: ended.failure_detail,
            cost: MicroUsd(ended.cost_micro_usd),
            duration_ms: ended.ms,
        });
    }
    events
}

/// How a run ended, as recorded.
#[derive(sqlx::FromRow)]
struct Ended {
    status: String,
    output: Option<serde_json::Value>,
    failure_reason: Option<String>,
    failure_detail: Option<String>,
    cost_micro_usd: i64,
    ms: i64,
}
