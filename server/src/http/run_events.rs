//! A run's events as server-sent events: `GET /api/runs/{id}/events` for the web app
//! (session cookie) and the same stream for the API's `/v1/runs/{id}/events` and
//! `POST /v1/agents/{id}/runs` with `Accept: text/event-stream`. Reconnecting with
//! `Last-Event-ID` resumes after that event; so does `?after=<id>`, for a browser's new
//! EventSource after the server refused one (it cannot set the header, and gives up on
//! any answer but 200). What the events are is `runs::events`.
//! When this instance drains (SIGTERM), each stream ends with a `reconnect` event: the
//! client's EventSource reconnects (to another instance) and resumes where it was.

use std::convert::Infallible;
use std::time::Duration;

use app::conversations::VisitorPass;
use app::runs::RunEvent;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use uuid::Uuid;

use crate::http::guard;
use crate::runs::events::{self, EventsError, Followed};
use crate::state::AppState;

pub async fn run_events(
    State(state): State<AppState>,
    Path(run_id): Path<Uuid>,
    Query(resume): Query<Resume>,
    request: Request,
) -> Response {
    let Some(token) = guard::cookie_token(request.headers()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(actor) = state.accounts.actor(&token, None).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    stream(
        &state,
        actor.team_id,
        run_id,
        resume.or_header(request.headers()),
    )
    .await
}

/// Where a follower resumes: the `after` event, when the address says.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Resume {
    /// Resume after this event id, as `Last-Event-ID` does (for clients that cannot
    /// set the header, such as a browser's `EventSource`).
    after: Option<String>,
}

impl Resume {
    /// The header's event, else the address's (either only when it is one of ours).
    pub fn or_header(self, headers: &HeaderMap) -> Option<String> {
        last_event_id(headers).or(self.after.filter(|id| events::is_event_id(id)))
    }
}

/// `GET /c/{token}/runs/{run}/events[?session=…]`: a share link visitor following the
/// answer to one of their messages (their cookie, or in an embedded chat the session
/// the page carries, says whose). They get the text and how the turn ended, not its
/// steps: how the team's agent works (its tools, models, costs) is the team's.
pub async fn visitor_run_events(
    State(state): State<AppState>,
    Path((token, run_id)): Path<(String, Uuid)>,
    Query(query): Query<VisitorQuery>,
    Query(resume): Query<Resume>,
    request: Request,
) -> Response {
    let cookie = request
        .headers()
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| app::backend::cookies::find(header, app::conversations::VISITOR_COOKIE))
        .map(str::to_owned);
    let Some(pass) = VisitorPass::of(query.session, cookie) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let share = match state.shares.visitor_run(&token, &pass, run_id).await {
        Ok(share) => share,
        Err(error) => {
            let error = app::error::AppError::from(error);
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return status.into_response();
        }
    };
    let after = resume.or_header(request.headers());
    follow(&state, share.team_id, run_id, after, for_visitor).await
}

#[derive(serde::Deserialize)]
pub struct VisitorQuery {
    session: Option<String>,
}

/// What a visitor sees of an event: the answer's text and the run's end, its cost and
/// failure's detail left out.
fn for_visitor(followed: Followed) -> Option<Followed> {
    let event = match followed.event {
        event @ (RunEvent::Token { .. } | RunEvent::TextReset { .. } | RunEvent::Status { .. }) => {
            event
        }
        RunEvent::Finished {
            status,
            output,
            reason,
            duration_ms,
            ..
        } => RunEvent::Finished {
            status,
            output,
            reason,
            detail: None,
            cost: app::spec::MicroUsd(0),
            duration_ms,
        },
        RunEvent::Step { .. } | RunEvent::NodeStarted { .. } => return None,
    };
    Some(Followed {
        id: followed.id,
        event,
    })
}

/// The `Last-Event-ID` a reconnecting client sends, when it is one of ours.
pub fn last_event_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| events::is_event_id(id))
        .map(str::to_owned)
}

/// A team's run as server-sent events, after `after` (from the start when `None`);
/// 404 for a run the team does not have, 503 while the database cannot say.
pub async fn stream(
    state: &AppState,
    team_id: Uuid,
    run_id: Uuid,
    after: Option<String>,
) -> Response {
    follow(state, team_id, run_id, after, Some).await
}

/// [`stream`], each event as `shown` shows it (none: left out).
async fn follow(
    state: &AppState,
    team_id: Uuid,
    run_id: Uuid,
    after: Option<String>,
    shown: fn(Followed) -> Option<Followed>,
) -> Response {
    let followed =
        events::follow(state.db.clone(), state.bus.clone(), team_id, run_id, after).await;
    match followed {
        Ok(events) => {
            let shutdown = state.shutdown.clone();
            // Only a stream cut short by the drain gets the `reconnect` event; one that
            // ended with its run just ends.
            let cut_short = futures::stream::once(async move { shutdown.has_begun() })
                .filter_map(|begun| async move { begun.then(reconnect) });
            let events = events
                .filter_map(move |followed| futures::future::ready(shown(followed)))
                .map(sse_event)
                .take_until(state.shutdown.begun())
                .chain(cut_short)
                .map(Ok::<_, Infallible>);
            Sse::new(events)
                .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
                .into_response()
        }
        Err(EventsError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(EventsError::Unavailable(error)) => {
            tracing::warn!(%error, run = %run_id, "run events unavailable");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The last event of a stream this instance ends while draining; `retry` asks the
/// client to reconnect soon rather than after its default wait.
fn reconnect() -> Event {
    Event::default()
        .event("reconnect")
        .data("{}")
        .retry(Duration::from_millis(250))
}

/// The event named for its type, with its bus id when it has one.
fn sse_event(followed: Followed) -> Event {
    let name = event_name(&followed.event);
    let event = Event::default()
        .event(name)
        .data(serde_json::to_string(&followed.event).unwrap_or_default());
    match followed.id {
        Some(id) => event.id(id),
        None => event,
    }
}

fn event_name(event: &RunEvent) -> String {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_string))
        .unwrap_or_default()
}
