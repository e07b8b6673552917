//! `/v1/webhooks`: endpoints (the signing secret is in the create answer once), a test
//! event, deliveries, and Resend. Admin scope.

use app::api_keys::Scope;
use app::backend::Webhooks;
use app::webhooks::{DeliveryRow, NewWebhook, WebhookRow, WebhookSettings};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use super::auth::Caller;
use super::body::Body;
use super::problem::Problem;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<WebhookRow>>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.webhooks.list(&caller.actor).await?))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(settings): Body<WebhookSettings>,
) -> Result<(StatusCode, Json<NewWebhook>), Problem> {
    caller.require(Scope::Admin)?;
    Ok((StatusCode::CREATED, Json(state.webhooks.create(&caller.actor, &settings).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(settings): Body<WebhookSettings>,
) -> Result<Json<WebhookRow>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.webhooks.update(&caller.actor, id, &settings).await?))
}

pub async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> Result<StatusCode, Problem> {
    caller.require(Scope::Admin)?;
    state.webhooks.delete(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<DeliveryRow>), Problem> {
    caller.require(Scope::Admin)?;
    Ok((StatusCode::ACCEPTED, Json(state.webhooks.send_test(&caller.actor, id).await?)))
}

pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<DeliveryRow>>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.webhooks.deliveries(&caller.actor, id).await?))
}

pub async fn resend(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, delivery_id)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, Json<DeliveryRow>), Problem> {
    caller.require(Scope::Admin)?;
    Ok((StatusCode::ACCEPTED, Json(state.webhooks.resend(&caller.actor, delivery_id).await?)))
}
