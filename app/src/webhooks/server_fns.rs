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

/// Creates an endpoint from the settings form (one checkbox per event). Posted from
/// the page, the new endpoint (with its signing secret) comes back to it once
/// (`webhook-secret`); a refused one leaves what was typed and ticked to fill in again.
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
    // Each event with its checkbox's name in the form, and whether it was ticked.
    let ticked = [
        ("run.succeeded", "run_succeeded", run_succeeded.is_some()),
        ("run.failed", "run_failed", run_failed.is_some()),
        (
            "template.purchased",
            "template_purchased",
            template_purchased.is_some(),
        ),
    ];
    let settings = WebhookSettings {
        url,
        events: ticked
            .iter()
            .filter(|(_, _, on)| *on)
            .map(|(event, _, _)| event.to_string())
            .collect(),
        description: description.unwrap_or_default(),
        enabled: true,
    };
    let result = async {
        backend::webhooks()?
            .create(&backend::actor().await?, &settings)
            .await
    }
    .await;
    let mut typed = vec![
        ("url", settings.url.as_str()),
        ("description", settings.description.as_str()),
    ];
    typed.extend(
        ticked
            .iter()
            .filter(|(_, _, on)| *on)
            .map(|(_, field, _)| (*field, "on")),
    );
    backend::respond_in_place_to_form("webhook-secret", result, &typed)
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
