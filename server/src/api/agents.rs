//! `/v1/agents`: list, create from a spec, get, and update (a new version).

use app::agents::{AgentDetail, AgentSort, AgentSummary};
use app::api_keys::Scope;
use app::backend::Agents;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
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
    search: Option<String>,
    sort: Option<String>,
}

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
            _ => Err(Problem::invalid(vec![super::problem::FieldProblem {
                field: "spec".into(),
                message: "Send the spec as YAML text or as a JSON object.".into(),
            }])),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<AgentSummary>>, Problem> {
    caller.require(Scope::Read)?;
    let sort = match query.sort.as_deref() {
        None => AgentSort::default(),
        Some(text) => AgentSort::parse(text).ok_or_else(|| {
            Problem::from(app::error::AppError::invalid(
                "sort",
                "Sort by updated, name or last_run.",
            ))
        })?,
    };
    let list = state
        .agents
        .list(&caller.actor, query.search.as_deref(), sort)
        .await?;
    Ok(Json(list))
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
