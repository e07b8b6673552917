//! `/v1/agents/{id}/runs` and `/v1/runs/{id}`: start (202, or the finished run with
//! `?wait=true`), list with filters, get with steps, cancel.

use std::time::Duration;

use app::agents::{RunDetail, RunFilter, RunsPage};
use app::api_keys::Scope;
use app::backend::Agents;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::body::Body;
use super::problem::Problem;
use crate::state::AppState;

/// How long `?wait=true` holds the request before answering 202 with the run so far.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartQuery {
    #[serde(default)]
    wait: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    #[serde(default)]
    input: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
    Query(query): Query<StartQuery>,
    Body(body): Body<StartBody>,
) -> Result<(StatusCode, Json<RunDetail>), Problem> {
    caller.require(Scope::Run)?;
    let run_id = state
        .agents
        .start_run(&caller.actor, agent_id, body.input)
        .await?;
    let mut run = state.agents.run(&caller.actor, run_id).await?;
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
    Ok((status, Json(run)))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<Uuid>,
) -> Result<Json<RunDetail>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.agents.run(&caller.actor, run_id).await?))
}

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

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<Uuid>,
) -> Result<Json<RunDetail>, Problem> {
    caller.require(Scope::Run)?;
    state.agents.cancel_run(&caller.actor, run_id).await?;
    Ok(Json(state.agents.run(&caller.actor, run_id).await?))
}
