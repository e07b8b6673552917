//! Sends queued deliveries: claims the due ones (across teams, through a narrow definer
//! function), signs and posts each as its team, and records the outcome. A failed
//! attempt is retried on the configured schedule with the same `webhook-id`; a 410
//! disables the endpoint; redirects are not followed; every send passes the SSRF guard.

use std::sync::Arc;

use reqwest::Method;
use sqlx::PgPool;
use uuid::Uuid;

use super::signing;
use crate::db::tenant::{self, Tenant};
use crate::metrics::Metrics;
use crate::secrets::{Keyring, Sealed};
use crate::ssrf::{GuardedHttp, OutboundRequest};

const BATCH: i32 = 20;
/// A claimed delivery is not handed out again for this long (its sender may have died).
/// Long enough for a batch to finish (each send gives up after 10 s, sends run side by
/// side), short enough that a worker killed mid-batch delays its deliveries by half a
/// minute, not minutes.
const CLAIM_SECONDS: i32 = 30;

#[derive(Clone)]
pub struct Dispatcher {
    pub db: PgPool,
    pub http: GuardedHttp,
    pub keys: Arc<Keyring>,
    pub retry_secs: Vec<u64>,
    pub metrics: Arc<Metrics>,
}

impl Dispatcher {
    pub fn spawn(self) {
        let this = Arc::new(self);
        crate::db::outbox_loop::spawn("webhook deliveries", move || {
            let this = Arc::clone(&this);
            async move { this.round().await }
        });
    }

    /// Sends one batch of due deliveries side by side; returns how many were claimed.
    async fn round(&self) -> Result<usize, sqlx::Error> {
        let claimed: Vec<(Uuid, Uuid)> =
            sqlx::query_as("SELECT id, team_id FROM claim_webhook_deliveries($1, $2)")
                .bind(BATCH)
                .bind(CLAIM_SECONDS)
                .fetch_all(&self.db)
                .await?;
        let sends = claimed.iter().map(|(id, team_id)| async move {
            if let Err(error) = self.deliver(*team_id, *id).await {
                tracing::warn!(%error, delivery = %id, "webhook delivery could not be recorded; it will be retried");
            }
        });
        futures::future::join_all(sends).await;
        Ok(claimed.len())
    }

    async fn deliver(&self, team_id: Uuid, delivery_id: Uuid) -> Result<(), sqlx::Error> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let due: Option<Due> = sqlx::query_as(
            "SELECT d.payload, d.attempts, w.id AS webhook_id, w.url, w.enabled, w.secret_ciphertext, w.secret_nonce
               FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
              WHERE d.id = $1 AND d.status = 'pending'",
        )
        .bind(delivery_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(due) = due else { return Ok(()) };
        let attempt = due.attempts + 1;
        let webhook_id = due.webhook_id;
        if !due.enabled {
            return self
                .record(
                    team_id,
                    delivery_id,
                    attempt,
                    Outcome::GaveUp(None, "the endpoint is disabled".into()),
                )
                .await;
        }
        let sealed = Sealed {
            ciphertext: due.secret_ciphertext,
            nonce: due.secret_nonce,
        };
        let Ok(secret) = self.keys.open_text(team_id, &sealed) else {
            tracing::error!(webhook = %webhook_id, "a webhook secret could not be decrypted (is its key still in SECRETS_ENCRYPTION_KEY or SECRETS_ENCRYPTION_KEY_PREVIOUS?)");
            return self
                .record(
                    team_id,
                    delivery_id,
                    attempt,
                    Outcome::GaveUp(None, "the signing secret is unreadable".into()),
                )
                .await;
        };
        let body = due.payload.to_string();
        let message_id = format!("msg_{}", delivery_id.simple());
        let timestamp = chrono::Utc::now().timestamp();
        let request = OutboundRequest {
            method: Method::POST,
            url: due.url,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("webhook-id".into(), message_id.clone()),
                ("webhook-timestamp".into(), timestamp.to_string()),
                (
                    "webhook-signature".into(),
                    signing::sign(&secret, &message_id, timestamp, body.as_bytes()),
                ),
            ],
            body: Some(body.into_bytes()),
            follow_redirects: false,
        };
        let outcome = match self.http.send(request).await {
            Ok(response) if (200..300).contains(&response.status) => {
                Outcome::Delivered(response.status)
            }
            Ok(response) if response.status == 410 => Outcome::Gone,
            Ok(response) => self.retry_or_give_up(
                attempt,
                Some(response.status),
                format!("answered {}", response.status),
            ),
            Err(error) => self.retry_or_give_up(attempt, None, error.to_string()),
        };
        if matches!(outcome, Outcome::Gone) {
            self.disable(team_id, webhook_id).await?;
        }
        self.record(team_id, delivery_id, attempt, outcome).await
    }

    fn retry_or_give_up(&self, attempt: i32, status: Option<u16>, error: String) -> Outcome {
        match self.retry_secs.get(attempt as usize - 1) {
            Some(secs) => Outcome::Retry(status, error, *secs),
            None => Outcome::GaveUp(status, error),
        }
    }

    async fn disable(&self, team_id: Uuid, webhook_id: Uuid) -> Result<(), sqlx::Error> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        sqlx::query("UPDATE webhooks SET enabled = false, disabled_reason = 'The endpoint answered 410 Gone.' WHERE id = $1")
            .bind(webhook_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    async fn record(
        &self,
        team_id: Uuid,
        delivery_id: Uuid,
        attempt: i32,
        outcome: Outcome,
    ) -> Result<(), sqlx::Error> {
        self.metrics.webhook_delivery(match &outcome {
            Outcome::Delivered(_) => "delivered",
            Outcome::Gone => "gone",
            Outcome::Retry(..) => "retry",
            Outcome::GaveUp(..) => "gave_up",
        });
        let (status, code, error, retry_in): (&str, Option<u16>, Option<String>, Option<u64>) =
            match outcome {
                Outcome::Delivered(code) => ("delivered", Some(code), None, None),
                Outcome::Gone => (
                    "failed",
                    Some(410),
                    Some("410 Gone: the endpoint was disabled".into()),
                    None,
                ),
                Outcome::Retry(code, error, secs) => ("pending", code, Some(error), Some(secs)),
                Outcome::GaveUp(code, error) => ("failed", code, Some(error), None),
            };
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        sqlx::query(
            "UPDATE webhook_deliveries
                SET status = $2, attempts = $3, last_status_code = $4, last_error = $5, last_attempt_at = now(),
                    next_attempt_at = now() + make_interval(secs => coalesce($6, 0)::double precision),
                    delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
              WHERE id = $1",
        )
        .bind(delivery_id)
        .bind(status)
        .bind(attempt)
        .bind(code.map(i32::from))
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(retry_in.map(|s| s as i64))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }
}

enum Outcome {
    Delivered(u16),
    Gone,
    Retry(Option<u16>, String, u64),
    GaveUp(Option<u16>, String),
}

/// A pending delivery with its endpoint.
#[derive(sqlx::FromRow)]
struct Due {
    payload: serde_json::Value,
    attempts: i32,
    webhook_id: Uuid,
    url: String,
    enabled: bool,
    secret_ciphertext: Vec<u8>,
    secret_nonce: Vec<u8>,
}
