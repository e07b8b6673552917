//! Thin transports over the backend's webhook operations.

use leptos::prelude::*;
use uuid::Uuid;

use super::{DeliveryRow, NewWebhook, WebhookRow};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "webhooks/list")]
pub async fn list_webhooks() -> Result<Vec<WebhookRow>, AppError> {
    use crate::backend;
    backend::respond(async { backend::webhooks()?.list(&backend::actor().await?).await }.await)
}

/// Creates an endpoint from the settings form (one checkbox per event).
#[server(prefix = "/api", endpoint = "webhooks/create")]
pub async fn create_webhook(
    url: String,
    description: Option<String>,
    run_succeeded: Option<String>,
    run_failed: Option<String>,
    template_purchased: Option<String>,
) -> Result<NewWebhook, AppError> {
    use super::WebhookSettings;
    use crate::backend;
    backend::respond(
        async {
            let events = [
                ("run.succeeded", run_succeeded),
                ("run.failed", run_failed),
                ("template.purchased", template_purchased),
            ]
            .into_iter()
            .filter_map(|(event, ticked)| ticked.map(|_| event.to_string()))
            .collect();
            let settings = WebhookSettings {
                url,
                events,
                description: description.unwrap_or_default(),
                enabled: true,
            };
            backend::webhooks()?
                .create(&backend::actor().await?, &settings)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::webhooks()?
                .delete(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "webhooks/test")]
pub async fn send_test_webhook(id: Uuid) -> Result<DeliveryRow, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::webhooks()?
                .send_test(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "webhooks/deliveries")]
pub async fn webhook_deliveries(id: Uuid) -> Result<Vec<DeliveryRow>, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::webhooks()?
                .deliveries(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "webhooks/resend")]
pub async fn resend_delivery(id: Uuid) -> Result<DeliveryRow, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::webhooks()?
                .resend(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}
