//! `/v1/agents/{id}/runs` and `/v1/runs/{id}`: start (202; the finished run with
//! `?wait=true`; the live event stream with `Accept: text/event-stream`), list with
//! filters, get with steps, follow its events (resumable with `Last-Event-ID` or
//! `?after=`), cancel.

use std::time::Duration;

use app::agents::{RunDetail, RunFilter, RunsPage};
use app::api_keys::Scope;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path, Query};
use super::idempotency::ReplayAs;
use super::problem::Problem;
use super::responses::{BadBody, Invalid, NotFound, Refusals, Replays};
use crate::http::run_events;
use crate::state::AppState;

/// How long `?wait=true` holds the request before answering 202 with the run so far.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StartQuery {
    /// Answer when the run has finished (up to 60 s).
    #[serde(default)]
    wait: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// The agent's inputs by name.
    #[schema(value_type = Object)]
    #[serde(default)]
    input: Map<String, Value>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// queued, running, succeeded, failed or cancelled.
    #[param(pattern = "^(queued|running|succeeded|failed|cancelled)?$")]
    status: Option<String>,
    /// The first day (UTC), a real date as YYYY-MM-DD, 1970 or later; empty: any.
    #[param(
        pattern = "^((19[7-9][0-9]|[2-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|(19(7[26]|8[048]|9[26])|[2-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[3579][26])00)-02-29)?$"
    )]
    from: Option<String>,
    /// The last day (UTC), a real date as YYYY-MM-DD, 1970 or later; empty: any.
    #[param(
        pattern = "^((19[7-9][0-9]|[2-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|(19(7[26]|8[048]|9[26])|[2-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[3579][26])00)-02-29)?$"
    )]
    to: Option<String>,
    /// The `next_before` of the page before.
    #[param(format = DateTime)]
    before: Option<String>,
}

#[utoipa::path(post, path = "/v1/agents/{id}/runs", operation_id = "startRun", tag = "Runs", summary = "Start a run", description = "202 with the queued run; with `wait=true` the finished run (200); with `Accept: text/event-stream` the live events. Honours `Idempotency-Key`. Scope: run.", params(("id" = Uuid, Path, description = "The agent"), StartQuery), request_body = StartBody, responses((status = 202, body = RunDetail), (status = 200, body = RunDetail), Invalid, NotFound, Refusals, BadBody, Replays))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
    Query(query): Query<StartQuery>,
    headers: HeaderMap,
    Body(body): Body<StartBody>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let run_id = state
        .agents
        .start_run(&caller.actor, agent_id, body.input)
        .await?;
    let mut run = state.agents.run(&caller.actor, run_id).await?;
    if wants_events(&headers) {
        let accepted = ReplayAs {
            status: StatusCode::ACCEPTED,
            json: serde_json::to_value(&run).unwrap_or_default(),
        };
        return Ok(events_of_queued(&state, caller.actor.team_id, run_id, accepted).await);
    }
    if query.wait {
        let deadline = tokio::time::Instant::now() + LONGEST_WAIT;
        while !run.status.is_final() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            run = state.agents.run(&caller.actor, run_id).await?;
        }
    }
    let status = if run.status.is_final() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let location = format!("/v1/runs/{run_id}");
    Ok((status, [(header::LOCATION, location)], Json(run)).into_response())
}

/// The live events of a run this request just queued, answered as a stream. Should
/// they not be followable right now (every database connection busy past its wait),
/// the run is queued all the same: the caller gets `accepted`, the 202 it would get
/// without a stream, with the run at `Location` to follow, rather than a 503 inviting
/// it to queue the work again. A retry with the same Idempotency-Key gets `accepted`.
pub(super) async fn events_of_queued(
    state: &AppState,
    team_id: Uuid,
    run_id: Uuid,
    accepted: ReplayAs,
) -> Response {
    let location = format!("/v1/runs/{run_id}");
    let mut response = run_events::stream(state, team_id, run_id, None).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response = (accepted.status, Json(accepted.json.clone())).into_response();
    }
    response.extensions_mut().insert(accepted);
    if let Ok(location) = location.parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

pub(super) fn wants_events(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"))
}

/// The run's events as they happen; `Last-Event-ID` (or `?after=`) resumes after that
/// event.
#[utoipa::path(get, path = "/v1/runs/{id}/events", operation_id = "followRunEvents", tag = "Runs", summary = "Follow a run's events", description = "Server-sent events; reconnect with `Last-Event-ID` (or `?after=<id>`) to resume. Scope: read.", params(("id" = Uuid, Path, description = "Its id"), run_events::Resume), responses((status = 200, description = "text/event-stream of run events"), NotFound, Invalid, Refusals))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<Uuid>,
    Query(resume): Query<run_events::Resume>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let response = run_events::stream(
        &state,
        caller.actor.team_id,
        run_id,
        resume.or_header(&headers),
    )
    .await;
    if response.status() == StatusCode::NOT_FOUND {
        return Err(app::error::AppError::NotFound.into());
    }
    Ok(response)
}

#[utoipa::path(get, path = "/v1/runs/{id}", operation_id = "getRun", tag = "Runs", summary = "Get a run with its steps", description = "Scope: read.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 200, body = RunDetail), NotFound, Invalid, Refusals))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<Uuid>,
) -> Result<Json<RunDetail>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.agents.run(&caller.actor, run_id).await?))
}

#[utoipa::path(get, path = "/v1/agents/{id}/runs", operation_id = "listRuns", tag = "Runs", summary = "List an agent's runs", description = "20 a page, newest first; filter by status and day range (UTC). Scope: read.", params(("id" = Uuid, Path, description = "The agent"), ListQuery), responses((status = 200, body = RunsPage), Invalid, NotFound, Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
    Query(query): Query<ListQuery>,
) -> Result<Json<RunsPage>, Problem> {
    caller.require(Scope::Read)?;
    let filter = RunFilter::parse(
        query.status.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
    )?;
    let page = state
        .agents
        .runs(&caller.actor, agent_id, filter, query.before.as_deref())
        .await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/v1/runs/{id}/cancel", operation_id = "cancelRun", tag = "Runs", summary = "Cancel a run", description = "Scope: run.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 200, body = RunDetail), NotFound, Invalid, Refusals, Replays))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<Uuid>,
) -> Result<Json<RunDetail>, Problem> {
    caller.require(Scope::Run)?;
    state.agents.cancel_run(&caller.actor, run_id).await?;
    Ok(Json(state.agents.run(&caller.actor, run_id).await?))
}
