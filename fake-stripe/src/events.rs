//! Events as Stripe sends them: a JSON envelope posted with a `Stripe-Signature` header
//! (`t=…,v1=HMAC-SHA256("t.body")`), after a short delay, in the background.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::state::{Shared, now};

/// The `Stripe-Signature` header for `body` at `timestamp`.
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// Sends one event per object, in order, in the background.
pub fn send(shared: &Arc<Shared>, events: Vec<(&'static str, Value)>) {
    let shared = Arc::clone(shared);
    let envelopes: Vec<Value> = events
        .into_iter()
        .map(|(kind, object)| {
            json!({
                "id": shared.id("evt"),
                "object": "event",
                "api_version": "2025-09-30.clover",
                "created": now(),
                "livemode": false,
                "pending_webhooks": 1,
                "type": kind,
                "data": { "object": object },
            })
        })
        .collect();
    tokio::spawn(async move {
        let options = shared.options();
        tokio::time::sleep(options.event_delay).await;
        let Some(url) = options.webhook_url else {
            return;
        };
        for envelope in envelopes {
            let body = envelope.to_string();
            // Stripe retries failed deliveries for days; a few quick tries are enough here.
            for _ in 0..5 {
                let signature = sign(body.as_bytes(), &options.webhook_secret, now());
                let sent = shared
                    .http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("stripe-signature", signature)
                    .body(body.clone())
                    .send()
                    .await;
                if sent.is_ok_and(|r| r.status().is_success()) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
        }
    });
}
