//! Outbound webhooks: endpoints (implements `app::backend::Webhooks`), the outbox that
//! queues events with the change they report, and the dispatcher that signs and sends.

pub mod dispatcher;
pub mod outbox;
pub mod signing;

use app::auth::Role;
use app::backend::{Actor, Webhooks};
use app::error::AppError;
use app::webhooks::{DeliveryRow, NewWebhook, WebhookRow, WebhookSettings};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit;
use crate::db::tenant;
use crate::errors::ServerError;
use crate::secrets::Keyring;
use crate::ssrf::OutboundPolicy;
use crate::teams::rules::at_least;

pub struct WebhooksService {
    db: PgPool,
    policy: OutboundPolicy,
    keys: Arc<Keyring>,
}

impl WebhooksService {
    /// `allow` is the operator's outbound allowlist (the same the agents' tools use).
    pub fn new(db: PgPool, allow: &[String], keys: Arc<Keyring>) -> WebhooksService {
        WebhooksService {
            db,
            policy: OutboundPolicy::new(allow),
            keys,
        }
    }

    /// The SSRF guard, when the URL is saved (it runs again at every send, after DNS).
    fn check(&self, settings: &WebhookSettings) -> Result<(), AppError> {
        settings.check()?;
        self.policy
            .check_url(settings.url.trim())
            .map(|_| ())
            .map_err(|error| {
                AppError::invalid("url", format!("This URL cannot receive webhooks: {error}."))
            })
    }
}

const WEBHOOK_COLUMNS: &str = "id, url, description, events, enabled, disabled_reason, created_at";
const DELIVERY_COLUMNS: &str = "id, event_type, status, attempts, last_status_code, last_error, created_at, last_attempt_at, next_attempt_at";

/// An endpoint as stored (its signing secret is not read here).
#[derive(sqlx::FromRow)]
struct StoredWebhook {
    id: Uuid,
    url: String,
    description: String,
    events: Vec<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<StoredWebhook> for WebhookRow {
    fn from(row: StoredWebhook) -> WebhookRow {
        WebhookRow {
            id: row.id,
            url: row.url,
            description: row.description,
            events: row.events,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            created: crate::display::time(row.created_at),
        }
    }
}

/// A delivery as the outbox keeps it.
#[derive(sqlx::FromRow)]
struct StoredDelivery {
    id: Uuid,
    event_type: String,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
}

impl From<StoredDelivery> for DeliveryRow {
    fn from(row: StoredDelivery) -> DeliveryRow {
        DeliveryRow {
            id: row.id,
            event_type: row.event_type,
            next_attempt: (row.status == "pending")
                .then_some(row.next_attempt_at)
                .flatten()
                .map(crate::display::time),
            status: row.status,
            attempts: row.attempts,
            response_code: row.last_status_code,
            error: row.last_error,
            created: crate::display::time(row.created_at),
            last_attempt: row.last_attempt_at.map(crate::display::time),
        }
    }
}

impl WebhooksService {
    pub async fn list(&self, actor: &Actor) -> Result<Vec<WebhookRow>, ServerError> {
        at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let rows = sqlx::query_as::<_, StoredWebhook>(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at DESC LIMIT 100"
        ))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(WebhookRow::from).collect())
    }

    pub async fn create(
        &self,
        actor: &Actor,
        settings: &WebhookSettings,
    ) -> Result<NewWebhook, ServerError> {
        at_least(actor.role, Role::Admin)?;
        self.check(settings)?;
        let secret = signing::new_secret();
        let sealed = self.keys.seal_text(actor.team_id, &secret)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let row = sqlx::query_as::<_, StoredWebhook>(&format!(
            "INSERT INTO webhooks (team_id, url, description, events, enabled, secret_ciphertext, secret_nonce)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(actor.team_id)
        .bind(settings.url.trim())
        .bind(settings.description.trim())
        .bind(&settings.events)
        .bind(settings.enabled)
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .fetch_one(&mut *tx)
        .await
        ?;
        let webhook = WebhookRow::from(row);
        audit::record(
            &mut tx,
            audit::Entry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "webhook.created",
                target: Some(("webhook", webhook.id.to_string())),
                detail: serde_json::json!({ "url": webhook.url, "events": webhook.events }),
                ip: actor.ip,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(NewWebhook { webhook, secret })
    }

    pub async fn update(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
        settings: &WebhookSettings,
    ) -> Result<WebhookRow, ServerError> {
        at_least(actor.role, Role::Admin)?;
        self.check(settings)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let previous_url: String =
            sqlx::query_scalar("SELECT url FROM webhooks WHERE id = $1 FOR UPDATE")
                .bind(webhook_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(AppError::NotFound)?;
        // Switching an endpoint back on clears why it was switched off.
        let row = sqlx::query_as::<_, StoredWebhook>(&format!(
            "UPDATE webhooks SET url = $2, description = $3, events = $4, enabled = $5,
                    disabled_reason = CASE WHEN $5 THEN NULL ELSE disabled_reason END
              WHERE id = $1 RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(webhook_id)
        .bind(settings.url.trim())
        .bind(settings.description.trim())
        .bind(&settings.events)
        .bind(settings.enabled)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        // Where a team's data is sent is audited on every change, the URL above all.
        let url = settings.url.trim();
        audit::record(
            &mut tx,
            audit::Entry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "webhook.updated",
                target: Some(("webhook", webhook_id.to_string())),
                detail: serde_json::json!({
                    "url": url,
                    "previous_url": (previous_url != url).then_some(previous_url),
                    "events": settings.events,
                    "enabled": settings.enabled,
                }),
                ip: actor.ip,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookRow::from(row))
    }

    pub async fn delete(&self, actor: &Actor, webhook_id: Uuid) -> Result<(), ServerError> {
        at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(webhook_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        audit::record(
            &mut tx,
            audit::Entry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "webhook.deleted",
                target: Some(("webhook", webhook_id.to_string())),
                detail: serde_json::json!({}),
                ip: actor.ip,
            },
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn send_test(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
    ) -> Result<DeliveryRow, ServerError> {
        at_least(actor.role, Role::Admin)?;
        let payload = serde_json::json!({
            "type": outbox::TEST_EVENT,
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": { "webhook_id": webhook_id, "message": "A test event from Agent Factory." },
        });
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let row = sqlx::query_as::<_, StoredDelivery>(&format!(
            "INSERT INTO webhook_deliveries (team_id, webhook_id, event_type, payload)
             SELECT team_id, id, $2, $3 FROM webhooks WHERE id = $1 RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(webhook_id)
        .bind(outbox::TEST_EVENT)
        .bind(payload)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(DeliveryRow::from(row))
    }

    pub async fn deliveries(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
    ) -> Result<Vec<DeliveryRow>, ServerError> {
        at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM webhooks WHERE id = $1")
            .bind(webhook_id)
            .fetch_optional(&mut *tx)
            .await?;
        exists.ok_or(AppError::NotFound)?;
        let rows = sqlx::query_as::<_, StoredDelivery>(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC LIMIT 50"
        ))
        .bind(webhook_id)
        .fetch_all(&mut *tx)
        .await
        ?;
        tx.commit().await?;
        Ok(rows.into_iter().map(DeliveryRow::from).collect())
    }

    pub async fn resend(
        &self,
        actor: &Actor,
        delivery_id: Uuid,
    ) -> Result<DeliveryRow, ServerError> {
        at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let row = sqlx::query_as::<_, StoredDelivery>(&format!(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now()
              WHERE id = $1 RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(delivery_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(DeliveryRow::from(row))
    }
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Webhooks for WebhooksService {
    async fn list(&self, actor: &Actor) -> Result<Vec<WebhookRow>, AppError> {
        Ok(WebhooksService::list(self, actor).await?)
    }

    async fn create(
        &self,
        actor: &Actor,
        settings: &WebhookSettings,
    ) -> Result<NewWebhook, AppError> {
        Ok(WebhooksService::create(self, actor, settings).await?)
    }

    async fn update(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
        settings: &WebhookSettings,
    ) -> Result<WebhookRow, AppError> {
        Ok(WebhooksService::update(self, actor, webhook_id, settings).await?)
    }

    async fn delete(&self, actor: &Actor, webhook_id: Uuid) -> Result<(), AppError> {
        Ok(WebhooksService::delete(self, actor, webhook_id).await?)
    }

    async fn send_test(&self, actor: &Actor, webhook_id: Uuid) -> Result<DeliveryRow, AppError> {
        Ok(WebhooksService::send_test(self, actor, webhook_id).await?)
    }

    async fn deliveries(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
    ) -> Result<Vec<DeliveryRow>, AppError> {
        Ok(WebhooksService::deliveries(self, actor, webhook_id).await?)
    }

    async fn resend(&self, actor: &Actor, delivery_id: Uuid) -> Result<DeliveryRow, AppError> {
        Ok(WebhooksService::resend(self, actor, delivery_id).await?)
    }
}
