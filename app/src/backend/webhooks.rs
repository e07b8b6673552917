use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::error::AppError;
use crate::webhooks::{DeliveryRow, NewWebhook, WebhookRow, WebhookSettings};

/// The team's webhook endpoints and their deliveries (admins and owners).
#[async_trait]
pub trait Webhooks: Send + Sync + 'static {
    async fn list(&self, actor: &Actor) -> Result<Vec<WebhookRow>, AppError>;
    /// Creates an endpoint; the answer holds its signing secret, shown only this once.
    async fn create(
        &self,
        actor: &Actor,
        settings: &WebhookSettings,
    ) -> Result<NewWebhook, AppError>;
    async fn update(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
        settings: &WebhookSettings,
    ) -> Result<WebhookRow, AppError>;
    async fn delete(&self, actor: &Actor, webhook_id: Uuid) -> Result<(), AppError>;
    /// Queues a `webhook.test` event to this endpoint.
    async fn send_test(&self, actor: &Actor, webhook_id: Uuid) -> Result<DeliveryRow, AppError>;
    /// The endpoint's latest deliveries, newest first (at most 50).
    async fn deliveries(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
    ) -> Result<Vec<DeliveryRow>, AppError>;
    /// Sends a delivery again now, with the same id.
    async fn resend(&self, actor: &Actor, delivery_id: Uuid) -> Result<DeliveryRow, AppError>;
}
