//! `/v1/api-keys` (list, create — the key is in the answer once — and revoke) and
//! `/v1/usage` (the current period against the plan).

use app::api_keys::{ApiKeyRow, KeySettings, NewApiKey, Scope};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path};
use super::problem::Problem;
use super::responses::{BadBody, Invalid, NotFound, Refusals, Replays};
use crate::state::AppState;
use crate::usage::{self, PeriodUsage};

#[utoipa::path(get, path = "/v1/api-keys", operation_id = "listApiKeys", tag = "API keys", summary = "List the team's keys", description = "Never their secrets. Scope: admin.", responses((status = 200, body = Vec<ApiKeyRow>), Refusals))]
pub async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApiKeyRow>>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.api_keys.list(&caller.actor).await?))
}

#[utoipa::path(post, path = "/v1/api-keys", operation_id = "createApiKey", tag = "API keys", summary = "Create a key", description = "The answer holds the key; it is never shown again. Scope: admin.", request_body = KeySettings, responses((status = 201, body = NewApiKey), Invalid, Refusals, BadBody, Replays))]
pub async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    Body(settings): Body<KeySettings>,
) -> Result<(StatusCode, Json<NewApiKey>), Problem> {
    caller.require(Scope::Admin)?;
    let key = state.api_keys.create(&caller.actor, &settings).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

#[utoipa::path(delete, path = "/v1/api-keys/{id}", operation_id = "revokeApiKey", tag = "API keys", summary = "Revoke a key", description = "Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 204, description = "Revoked"), NotFound, Invalid, Refusals))]
pub async fn revoke_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::Admin)?;
    state.api_keys.revoke(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/usage", operation_id = "getUsage", tag = "Usage", summary = "This period's usage against the plan", description = "The calendar month in UTC. Scope: read.", responses((status = 200, body = PeriodUsage), Refusals))]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PeriodUsage>, Problem> {
    caller.require(Scope::Read)?;
    Ok(Json(usage::current(&state.db, &caller.actor).await?))
}
