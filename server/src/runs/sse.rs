//! `GET /api/runs/{id}/events`: a run's events over server-sent events, from any server
//! instance. Reconnecting with `Last-Event-ID` resumes after that event. When Redis has
//! no events for the run (expired, or Redis is down) the run is replayed from its
//! recorded steps once it has ended, so a client always gets the outcome.

use std::convert::Infallible;
use std::time::Duration;

use app::runs::{RunEvent, RunStatus};
use app::spec::MicroUsd;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use sqlx::Row;
use uuid::Uuid;

use super::store;
use crate::db::tenant::{self, Tenant};
use crate::http::guard;
use crate::state::AppState;

pub async fn run_events(
    State(state): State<AppState>,
    Path(run_id): Path<Uuid>,
    request: Request,
) -> Response {
    let Some(token) = guard::cookie_token(request.headers()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(actor) = state.accounts.actor(&token, None).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    stream(
        state,
        actor.team_id,
        run_id,
        last_event_id(request.headers()),
    )
    .await
}

/// The `Last-Event-ID` a reconnecting client sends, when it is one of ours.
pub fn last_event_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_stream_id(id))
        .map(str::to_owned)
}

/// A team's run as server-sent events, from after `after` (the start when `None`);
/// 404 for a run the team does not have. The web app and the API both answer with it.
pub async fn stream(
    state: AppState,
    team_id: Uuid,
    run_id: Uuid,
    after: Option<String>,
) -> Response {
    match outcome(&state, team_id, run_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    let after = after.unwrap_or_else(|| "0".to_string());
    Sse::new(events(state, team_id, run_id, after))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn is_stream_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn events(
    state: AppState,
    team_id: Uuid,
    run_id: Uuid,
    after: String,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let (sender, receiver) = futures::channel::mpsc::channel::<Result<Event, Infallible>>(64);
    tokio::spawn(produce(state, team_id, run_id, after, sender));
    receiver
}

/// Feeds the client until the run has finished or the client has gone away.
async fn produce(
    state: AppState,
    team_id: Uuid,
    run_id: Uuid,
    mut after: String,
    mut sender: futures::channel::mpsc::Sender<Result<Event, Infallible>>,
) {
    use futures::SinkExt;
    let mut seen_any = after != "0";
    let mut connection = None;
    loop {
        if connection.is_none() {
            connection = state.bus.cache().dedicated().await.ok();
        }
        let read = match connection.as_mut() {
            Some(connection) => state
                .bus
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
                    if sender
                        .send(Ok(sse_event(&event).id(id.clone())))
                        .await
                        .is_err()
                        || finished
                    {
                        return;
                    }
                    after = id;
                    seen_any = true;
                }
            }
            // Nothing new: if the run has ended but its events are gone (or Redis is
            // down), replay it from the database.
            other => {
                let ended = matches!(outcome(&state, team_id, run_id).await, Ok(Some(status)) if status.is_final());
                if ended {
                    // Everything, or — for a client that saw the run live — just how it
                    // ended (its `finished` event may have been lost with Redis).
                    let mut events = replay(&state, team_id, run_id).await;
                    if seen_any && other.is_some() {
                        events = events.split_off(events.len().saturating_sub(1));
                    }
                    for event in events {
                        if sender.send(Ok(event)).await.is_err() {
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

fn sse_event(event: &RunEvent) -> Event {
    let name = serde_json::to_value(event)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_string))
        .unwrap_or_default();
    Event::default()
        .event(name)
        .data(serde_json::to_string(event).unwrap_or_default())
}

async fn outcome(
    state: &AppState,
    team_id: Uuid,
    run_id: Uuid,
) -> Result<Option<RunStatus>, sqlx::Error> {
    let mut tx = tenant::begin(&state.db, Tenant::team(team_id)).await?;
    let status: Option<String> = sqlx::query_scalar("SELECT status::text FROM runs WHERE id = $1")
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(status.and_then(|s| RunStatus::parse(&s)))
}

/// The recorded run as events: its steps, then how it ended.
async fn replay(state: &AppState, team_id: Uuid, run_id: Uuid) -> Vec<Event> {
    let Ok(steps) = store::steps(&state.db, team_id, run_id).await else {
        return Vec::new();
    };
    let mut events: Vec<Event> = steps
        .into_iter()
        .map(|step| sse_event(&RunEvent::Step { step }))
        .collect();
    let Ok(mut tx) = tenant::begin(&state.db, Tenant::team(team_id)).await else {
        return events;
    };
    let row = sqlx::query(
        "SELECT status::text AS status, output, failure_reason, failure_detail, cost_micro_usd,
                coalesce(extract(epoch FROM finished_at - coalesce(started_at, created_at)) * 1000, 0)::bigint AS ms
           FROM runs WHERE id = $1",
    )
    .bind(run_id)
    .fetch_optional(&mut *tx)
    .await;
    if let Ok(Some(row)) = row {
        let finished = RunEvent::Finished {
            status: RunStatus::parse(row.try_get("status").unwrap_or_default())
                .unwrap_or(RunStatus::Failed),
            output: row.try_get("output").ok().flatten(),
            reason: row.try_get("failure_reason").ok().flatten(),
            detail: row.try_get("failure_detail").ok().flatten(),
            cost: MicroUsd(row.try_get("cost_micro_usd").unwrap_or(0)),
            duration_ms: row.try_get("ms").unwrap_or(0),
        };
        events.push(sse_event(&finished));
    }
    events
}
