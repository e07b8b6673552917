//! `/v1/agents/{id}/share`: an agent's public share link — its address, on or off, its
//! daily budget and today's spend — and a new address. Admin scope.

use app::api_keys::Scope;
use app::conversations::{ShareLink, ShareSettings};
use axum::Json;
use axum::extract::State;
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path};
use super::problem::Problem;
use super::responses::{BadBody, Invalid, NotFound, Refusals, Replays};
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/agents/{id}/share", operation_id = "getShareLink", tag = "Conversations", summary = "Get an agent's share link", description = "404 while it has none. Scope: admin.", params(("id" = Uuid, Path, description = "The agent")), responses((status = 200, body = ShareLink), Invalid, NotFound, Refusals))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
) -> Result<Json<ShareLink>, Problem> {
    caller.require(Scope::Admin)?;
    let link = state.shares.link(&caller.actor, agent_id).await?;
    Ok(Json(link.ok_or(app::error::AppError::NotFound)?))
}

#[utoipa::path(put, path = "/v1/agents/{id}/share", operation_id = "setShareLink", tag = "Conversations", summary = "Set an agent's share link", description = "Turns the link on or off and sets its daily budget; the first call makes the link. Refused (422) for an agent with required inputs and no defaults: a visitor gives none. Scope: admin.", params(("id" = Uuid, Path, description = "The agent")), request_body = ShareSettings, responses((status = 200, body = ShareLink), Invalid, NotFound, Refusals, BadBody))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
    Body(settings): Body<ShareSettings>,
) -> Result<Json<ShareLink>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(
        state.shares.set(&caller.actor, agent_id, &settings).await?,
    ))
}

#[utoipa::path(post, path = "/v1/agents/{id}/share/rotate", operation_id = "rotateShareLink", tag = "Conversations", summary = "Give a share link a new address", description = "The old address stops working at once; the link's conversations stay. Scope: admin.", params(("id" = Uuid, Path, description = "The agent")), responses((status = 200, body = ShareLink), NotFound, Refusals, Replays))]
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
) -> Result<Json<ShareLink>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.shares.rotate(&caller.actor, agent_id).await?))
}
