//! `/v1/agents`: list (cursor pages), create from a spec, get, update (a new version),
//! versions, archive.

use app::agents::{AgentDetail, AgentsPage, VersionSummary};
use app::api_keys::Scope;
use app::backend::Agents;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use app::error::AppError;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::auth::Caller;
use super::body::Body;
use super::problem::Problem;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

/// The default page size, and the most a page may hold.
const PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

/// A spec as YAML text, or as the JSON object itself.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecBody {
    spec: Value,
}

impl SpecBody {
    fn text(&self) -> Result<String, Problem> {
        match &self.spec {
            Value::String(text) => Ok(text.clone()),
            object @ Value::Object(_) => Ok(app::spec::emit::to_yaml(object)),
            _ => Err(AppError::invalid("spec", "Send the spec as YAML text or as a JSON object.").into()),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<AgentsPage>, Problem> {
    caller.require(Scope::Read)?;
    let limit = query.limit.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid("limit", format!("A page holds 1 to {MAX_PAGE} agents.")).into());
    }
    let page = state
        .agents
        .page(&caller.actor, query.cursor.as_deref(), limit)
        .await?;
    Ok(Json(page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<SpecBody>,
) -> Result<(StatusCode, Json<AgentDetail>), Problem> {
    caller.require(Scope::Admin)?;
    let id = state.agents.create(&caller.actor, &body.text()?).await?;
    Ok((StatusCode::CREATED, Json(state.agents.get(&caller.actor, id).await?)))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<AgentDetail>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.agents.get(&caller.actor, id).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(body): Body<SpecBody>,
) -> Result<Json<AgentDetail>, Problem> {
    caller.require(Scope::Admin)?;
    state
        .agents
        .save_version(&caller.actor, id, &body.text()?)
        .await?;
    Ok(Json(state.agents.get(&caller.actor, id).await?))
}

pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<VersionSummary>>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.agents.get(&caller.actor, id).await?.versions))
}

pub async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::Admin)?;
    state.agents.archive(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
