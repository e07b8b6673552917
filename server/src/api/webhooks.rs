//! `/v1/webhooks`: endpoints (the signing secret is in the create answer once), a test
//! event, deliveries, and Resend. Admin scope.

use app::api_keys::Scope;
use app::webhooks::{DeliveryRow, NewWebhook, WebhookRow, WebhookSettings};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Body, Path};
use super::problem::Problem;
use super::responses::{BadBody, Invalid, NotFound, Refusals, Replays};
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/webhooks", operation_id = "listWebhooks", tag = "Webhooks", summary = "List endpoints", description = "Scope: admin.", responses((status = 200, body = Vec<WebhookRow>), Refusals))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookRow>>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.webhooks.list(&caller.actor).await?))
}

#[utoipa::path(post, path = "/v1/webhooks", operation_id = "createWebhook", tag = "Webhooks", summary = "Add an endpoint", description = "The answer holds its signing secret, shown only once. Scope: admin.", request_body = WebhookSettings, responses((status = 201, body = NewWebhook), Invalid, Refusals, BadBody, Replays))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(settings): Body<WebhookSettings>,
) -> Result<(StatusCode, Json<NewWebhook>), Problem> {
    caller.require(Scope::Admin)?;
    Ok((
        StatusCode::CREATED,
        Json(state.webhooks.create(&caller.actor, &settings).await?),
    ))
}

#[utoipa::path(put, path = "/v1/webhooks/{id}", operation_id = "updateWebhook", tag = "Webhooks", summary = "Change an endpoint", description = "Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), request_body = WebhookSettings, responses((status = 200, body = WebhookRow), Invalid, NotFound, Refusals, BadBody))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Body(settings): Body<WebhookSettings>,
) -> Result<Json<WebhookRow>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(
        state.webhooks.update(&caller.actor, id, &settings).await?,
    ))
}

#[utoipa::path(delete, path = "/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "Webhooks", summary = "Delete an endpoint", description = "Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 204, description = "Deleted"), NotFound, Invalid, Refusals))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::Admin)?;
    state.webhooks.delete(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/test", operation_id = "testWebhook", tag = "Webhooks", summary = "Send a test event", description = "Queues `webhook.test`. Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 202, body = DeliveryRow), NotFound, Invalid, Refusals, Replays))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<DeliveryRow>), Problem> {
    caller.require(Scope::Admin)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(state.webhooks.send_test(&caller.actor, id).await?),
    ))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "Webhooks", summary = "List deliveries", description = "The latest 50, newest first. Scope: admin.", params(("id" = Uuid, Path, description = "Its id")), responses((status = 200, body = Vec<DeliveryRow>), NotFound, Invalid, Refusals))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<DeliveryRow>>, Problem> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.webhooks.deliveries(&caller.actor, id).await?))
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/deliveries/{delivery_id}/resend", operation_id = "resendWebhookDelivery", tag = "Webhooks", summary = "Resend a delivery", description = "With the same `webhook-id`. Scope: admin.", params(("id" = Uuid, Path, description = "The endpoint"), ("delivery_id" = Uuid, Path, description = "The delivery")), responses((status = 202, body = DeliveryRow), NotFound, Invalid, Refusals, Replays))]
pub async fn resend(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, delivery_id)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, Json<DeliveryRow>), Problem> {
    caller.require(Scope::Admin)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(state.webhooks.resend(&caller.actor, delivery_id).await?),
    ))
}
