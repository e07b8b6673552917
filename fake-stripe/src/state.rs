//! What the fake remembers: sessions, subscriptions, answers by idempotency key, and
//! every API call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::Value;

use crate::Options;

/// An API call as it arrived.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub path: String,
    pub idempotency_key: Option<String>,
    /// The form parameters, in order (`line_items[0][price_data][unit_amount]` …).
    pub params: Vec<(String, String)>,
}

impl RecordedRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub mode: String,
    pub customer: Option<String>,
    pub product: String,
    pub amount: i64,
    pub metadata: HashMap<String, String>,
    /// `subscription_data[metadata]`, copied to the subscription.
    pub subscription_metadata: HashMap<String, String>,
    pub success_url: String,
    pub cancel_url: String,
    pub paid: bool,
}

#[derive(Debug, Clone)]
pub struct Portal {
    pub customer: String,
    pub return_url: String,
}

#[derive(Debug, Clone)]
pub struct LiveSubscription {
    pub customer: String,
    pub metadata: HashMap<String, String>,
}

pub struct Shared {
    pub options: Mutex<Options>,
    pub base: String,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub portals: Mutex<HashMap<String, Portal>>,
    /// Live subscriptions by id.
    pub subscriptions: Mutex<HashMap<String, LiveSubscription>>,
    pub answers: Mutex<HashMap<String, Value>>,
    requests: Mutex<Vec<RecordedRequest>>,
    counter: AtomicU64,
    pub http: reqwest::Client,
}

impl Shared {
    pub fn new(options: Options, base: String) -> Self {
        Self {
            options: Mutex::new(options),
            base,
            sessions: Mutex::default(),
            portals: Mutex::default(),
            subscriptions: Mutex::default(),
            answers: Mutex::default(),
            requests: Mutex::default(),
            counter: AtomicU64::new(1),
            http: reqwest::Client::new(),
        }
    }

    /// A Stripe-looking id: `cs_test_000042…`.
    pub fn id(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}_test_{n:06}{:08x}", std::process::id())
    }

    pub fn options(&self) -> Options {
        lock(&self.options).clone()
    }

    pub fn set_webhook_url(&self, url: &str) {
        lock(&self.options).webhook_url = Some(url.to_string());
    }

    pub fn record(&self, request: RecordedRequest) {
        lock(&self.requests).push(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }
}

/// A poisoned lock only means another request panicked; the data is still usable.
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
