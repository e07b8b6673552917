//! `/v1/agents/{id}/share`: an agent's public share link — its address, on or off, its
//! daily budget and today's spend, where it may be embedded and by whom — a new address
//! and a new embed secret (admin scope); and `/v1/usage/end-users`, what the embedding
//! sites' signed users did.

use app::api_keys::Scope;
use app::conversations::{EndUserUsage, ShareLink, ShareSettings};
use app::dashboard::DashboardRange;
use axum::Json;
use axum::extract::State;
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path, Query};
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

#[utoipa::path(put, path = "/v1/agents/{id}/share", operation_id = "setShareLink", tag = "Conversations", summary = "Set an agent's share link", description = "Turns the link on or off and sets its daily budget, the sites that may embed it (`allowed_origins`) and whether only their signed-in users may chat (`signed_users_only`); those two are unchanged when left out. The first call makes the link and its embed secret. Refused (422) for an agent with required inputs and no defaults: a visitor gives none. Scope: admin.", params(("id" = Uuid, Path, description = "The agent")), request_body = ShareSettings, responses((status = 200, body = ShareLink), Invalid, NotFound, Refusals, BadBody))]
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

#[utoipa::path(post, path = "/v1/agents/{id}/share/embed-secret/rotate", operation_id = "rotateEmbedSecret", tag = "Conversations", summary = "Give a share link a new embed secret", description = "End users' tokens signed with the old secret are refused at once. Scope: admin.", params(("id" = Uuid, Path, description = "The agent")), responses((status = 200, body = ShareLink), NotFound, Refusals, Replays))]
pub async fn rotate_embed_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(agent_id): Path<Uuid>,
) -> Result<Json<ShareLink>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(
        state
            .shares
            .rotate_embed_secret(&caller.actor, agent_id)
            .await?,
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EndUsersQuery {
    /// The last N days, today (UTC) included: 1 to 366, 30 when left out.
    #[param(minimum = 1, maximum = 366)]
    days: Option<u32>,
}

#[utoipa::path(get, path = "/v1/usage/end-users", operation_id = "listEndUserUsage", tag = "Usage", summary = "Embedded chats' signed end users", description = "Per end user (the id the embedding site signed) and agent: conversations, messages and cost over the last `days`, those who spent most first, at most 100. Scope: read.", params(EndUsersQuery), responses((status = 200, body = Vec<EndUserUsage>), Invalid, Refusals))]
pub async fn end_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<EndUsersQuery>,
) -> Result<Json<Vec<EndUserUsage>>, Problem> {
    caller.require(Scope::Read)?;
    let days = query.days.unwrap_or(30);
    if !(1..=DashboardRange::MAX_DAYS).contains(&days) {
        return Err(app::error::AppError::invalid("days", "Choose 1 to 366 days.").into());
    }
    Ok(Json(
        state
            .dashboards
            .end_users(&caller.actor, DashboardRange::Last(days))
            .await?,
    ))
}
