use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The events an endpoint can subscribe to, with what they mean.
pub const WEBHOOK_EVENTS: [(&str, &str); 3] = [
    ("run.succeeded", "A run finished with an answer"),
    ("run.failed", "A run failed (its reason is in the event)"),
    (
        "template.purchased",
        "Someone bought one of the team's templates",
    ),
];

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why it was switched off (a 410 from the endpoint), if it was.
    pub disabled_reason: Option<String>,
    pub created: String,
}

/// The event names of [`WEBHOOK_EVENTS`], as the API's document lists them (settings
/// keep plain strings, checked against that list).
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum WebhookEventName {
    #[schema(rename = "run.succeeded")]
    RunSucceeded,
    #[schema(rename = "run.failed")]
    RunFailed,
    #[schema(rename = "template.purchased")]
    TemplatePurchased,
}

/// An endpoint as it is created or changed.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// A public http(s) URL (checked by the outbound guard: it must resolve to a public
    /// address), at most 2000 characters.
    #[cfg_attr(feature = "ssr", schema(max_length = 2000, pattern = "^https?://"))]
    pub url: String,
    /// `run.succeeded`, `run.failed`, `template.purchased`.
    #[cfg_attr(
        feature = "ssr",
        schema(min_items = 1, inline, value_type = Vec<WebhookEventName>)
    )]
    pub events: Vec<String>,
    /// At most 200 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    pub description: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

impl WebhookSettings {
    /// Checks everything but the destination (the server's SSRF guard does that).
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        use crate::error::AppError;
        if self.url.trim().is_empty() || self.url.len() > 2_000 {
            return Err(AppError::invalid(
                "url",
                "Enter the endpoint's URL (https://…).",
            ));
        }
        if self.events.is_empty() {
            return Err(AppError::invalid("events", "Choose at least one event."));
        }
        if let Some(unknown) = self
            .events
            .iter()
            .find(|e| !WEBHOOK_EVENTS.iter().any(|(name, _)| name == e))
        {
            return Err(AppError::invalid(
                "events",
                format!("Unknown event `{unknown}`."),
            ));
        }
        if self.description.chars().count() > 200 {
            return Err(AppError::invalid("description", "At most 200 characters."));
        }
        Ok(())
    }
}

/// A new endpoint: the only time its signing secret is shown.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWebhook {
    pub webhook: WebhookRow,
    pub secret: String,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRow {
    /// Also the `webhook-id` the receiver sees (as `msg_<id without dashes>`), the same
    /// on every attempt.
    pub id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub error: Option<String>,
    pub created: String,
    pub last_attempt: Option<String>,
    pub next_attempt: Option<String>,
}
