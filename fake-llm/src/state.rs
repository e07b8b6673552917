//! State shared by every request of one fake instance.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::Options;
use crate::behaviour::Behaviour;

/// One provider request as the fake received it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// The request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// The parsed JSON body; `null` when there was none or it was not JSON.
    pub body: serde_json::Value,
    /// Whether the auth header matched the required key; without a required key, whether an
    /// auth header was present at all.
    pub authorized: bool,
}

pub(crate) struct Shared {
    required_key: Option<String>,
    pub(crate) token_delay: Duration,
    pub(crate) models: Vec<String>,
    script: Mutex<VecDeque<Behaviour>>,
    requests: Mutex<Vec<RecordedRequest>>,
    failures: Mutex<HashMap<String, u32>>,
    ids: AtomicU64,
    stopped: watch::Receiver<()>,
}

impl Shared {
    pub(crate) fn new(options: Options, stopped: watch::Receiver<()>) -> Shared {
        Shared {
            required_key: options.required_key,
            token_delay: options.token_delay,
            models: options.models,
            script: Mutex::default(),
            requests: Mutex::default(),
            failures: Mutex::default(),
            ids: AtomicU64::new(1),
            stopped,
        }
    }

    /// The key requests must present, if any.
    pub(crate) fn required_key(&self) -> Option<&str> {
        self.required_key.as_deref()
    }

    pub(crate) fn key_required(&self) -> bool {
        self.required_key.is_some()
    }

    /// Whether the presented key passes: equal to the required key, or merely present when
    /// none is required.
    pub(crate) fn authorized(&self, presented: Option<&str>) -> bool {
        match (&self.required_key, presented) {
            (_, None) => false,
            (Some(required), Some(presented)) => required == presented,
            (None, Some(_)) => true,
        }
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        lock(&self.requests).push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    pub(crate) fn push_script(&self, behaviours: impl IntoIterator<Item = Behaviour>) -> usize {
        let mut script = lock(&self.script);
        script.extend(behaviours);
        script.len()
    }

    pub(crate) fn clear_script(&self) {
        lock(&self.script).clear();
    }

    pub(crate) fn next_scripted(&self) -> Option<Behaviour> {
        lock(&self.script).pop_front()
    }

    /// Counts one more sighting of a `[fake:fail=…]` directive and returns the new count.
    pub(crate) fn count_failure(&self, directive: &str) -> u32 {
        let mut failures = lock(&self.failures);
        let seen = failures.entry(directive.to_owned()).or_insert(0);
        *seen += 1;
        *seen
    }

    /// A number unique within this instance, for message, call and tool-use ids.
    pub(crate) fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn shutdown(&self) -> Shutdown {
        Shutdown::new(self.stopped.clone())
    }
}

/// A poisoned lock only means another request panicked mid-update of a plain list; the data
/// is still usable, and a test fake must keep answering.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Resolves when the owning [`crate::FakeLlm`] is dropped (its sender closes the channel).
#[derive(Clone)]
pub(crate) struct Shutdown(watch::Receiver<()>);

impl Shutdown {
    pub(crate) fn new(stopped: watch::Receiver<()>) -> Shutdown {
        Shutdown(stopped)
    }

    pub(crate) async fn wait(&mut self) {
        // Nothing is ever sent, so this only returns once the sender is gone.
        while self.0.changed().await.is_ok() {}
    }

    /// Sleeps for `duration`; false when shutdown came first.
    pub(crate) async fn sleep(&mut self, duration: Duration) -> bool {
        if duration.is_zero() {
            return true;
        }
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            () = self.wait() => false,
        }
    }
}
