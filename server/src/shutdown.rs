//! Stopping without losing anything. SIGTERM (or Ctrl-C) begins a drain: the listener
//! stops accepting, requests in flight finish, run-event streams end with a `reconnect`
//! event (the client resumes from its last event on another instance), and workers take
//! no new run, finish the ones in hand or hand them back. After the grace period
//! (`SHUTDOWN_GRACE_SECS`, 30 s by default: below the 45 s a Kubernetes web pod and the
//! 90 s a worker pod are given in deploy/k8s) the process exits whatever is left.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Shared by everything that must stop cleanly; cloning shares the one signal.
#[derive(Clone)]
pub struct Shutdown {
    token: CancellationToken,
    grace: Duration,
}

impl Shutdown {
    pub fn new(grace: Duration) -> Self {
        Self {
            token: CancellationToken::new(),
            grace,
        }
    }

    /// Begins the drain (the signal handler does; tests may too).
    pub fn begin(&self) {
        self.token.cancel();
    }

    pub fn has_begun(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves when the drain begins.
    pub fn begun(&self) -> tokio_util::sync::WaitForCancellationFutureOwned {
        self.token.clone().cancelled_owned()
    }

    /// How long runs in hand may go on once the drain begins: the grace period less the
    /// time to hand the rest back (5 s, or half of a short grace period).
    pub fn run_drain(&self) -> Duration {
        self.grace - (self.grace / 2).min(Duration::from_secs(5))
    }

    /// Begins the drain on SIGTERM or Ctrl-C, and exits the process if the drain is not
    /// over after the grace period.
    pub fn on_signal(&self) {
        let shutdown = self.clone();
        tokio::spawn(async move {
            signal().await;
            tracing::info!(grace = ?shutdown.grace, "draining: no new connections or runs");
            shutdown.begin();
            tokio::time::sleep(shutdown.grace).await;
            tracing::warn!("grace period over, exiting");
            std::process::exit(0);
        });
    }
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
