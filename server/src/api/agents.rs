//! `/v1/agents`: list (cursor pages), create from a spec, get, update (a new version),
//! versions, archive.

use app::agents::{AgentDetail, AgentsPage, VersionSummary};
use app::api_keys::Scope;
use app::error::AppError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path, Query};
use super::problem::Problem;
use super::responses::{BadBody, Invalid, NotFound, Refusals, Replays};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The `next_cursor` of the page before.
    #[param(
        pattern = "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    cursor: Option<String>,
    /// Agents a page: 1 to 100, 20 by default.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The default page size, and the most a page may hold.
const PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

/// A spec as YAML text, or as the JSON object itself.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecBody {
    /// YAML text, or the spec as a JSON object.
    #[schema(value_type = Object)]
    spec: Value,
}

impl SpecBody {
    fn text(&self) -> Result<String, Problem> {
        match &self.spec {
            Value::String(text) => Ok(text.clone()),
            object @ Value::Object(_) => Ok(app::spec::emit::to_yaml(object)),
            _ => Err(
                AppError::invalid("spec", "Send the spec as YAML text or as a JSON object.").into(),
            ),
        }
    }
}

#[utoipa::path(get, path = "/v1/agents", operation_id = "listAgents", tag = "Agents", summary = "List the team's agents", description = "Newest first, in cursor pages. Scope: read.", params(ListQuery), responses((status = 200, body = AgentsPage), Invalid, Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<AgentsPage>, Problem> {
    caller.require(Scope::Read)?;
    let limit = query.limit.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(
            AppError::invalid("limit", format!("A page holds 1 to {MAX_PAGE} agents.")).into(),
        );
    }
    let page = state
        .agents
        .page(&caller.actor, query.cursor.as_deref(), limit)
        .await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/v1/agents", operation_id = "createAgent", tag = "Agents", summary = "Create an agent from a spec", description = "The spec as YAML text or as a JSON object. Scope: admin.", request_body = SpecBody, responses((status = 201, body = AgentDetail), Invalid, Refusals, BadBody, Replays))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<SpecBody>,
) -> Result<(StatusCode, Json<AgentDetail>), Problem> {
    caller.require(Scope::Admin)?;
    let id = state.agents.create(&caller.actor, &body.text()?).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.agents.get(&caller.actor, id).await?),
    ))
}

#[utoipa::path(get, path = "/v1/agents/{id}", operation_id = "getAgent", tag = "Agents", summary = "Get an agent", description = "With its current spec and versions. Scope: read.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 200, body = AgentDetail), NotFound, Invalid, Refusals))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<AgentDetail>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.agents.get(&caller.actor, id).await?))
}

#[utoipa::path(put, path = "/v1/agents/{id}", operation_id = "updateAgent", tag = "Agents", summary = "Save a new version", description = "Versions are immutable; this adds the next one. Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), request_body = SpecBody, responses((status = 200, body = AgentDetail), Invalid, NotFound, Refusals, BadBody))]
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

#[utoipa::path(get, path = "/v1/agents/{id}/versions", operation_id = "listAgentVersions", tag = "Agents", summary = "List an agent's versions", description = "Scope: read.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 200, body = Vec<VersionSummary>), NotFound, Invalid, Refusals))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<VersionSummary>>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(state.agents.get(&caller.actor, id).await?.versions))
}

#[utoipa::path(post, path = "/v1/agents/{id}/archive", operation_id = "archiveAgent", tag = "Agents", summary = "Archive an agent", description = "It leaves every list and cannot be run; its runs stay. Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 204, description = "Archived"), NotFound, Invalid, Refusals, Replays))]
pub async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::Admin)?;
    state.agents.archive(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
