//! A test that hangs stops the run at once, named, instead of holding the whole suite
//! until CI's time limit ends it with nothing said about which test or why.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Longer than the slowest test takes on a loaded two-core machine (the schemathesis
/// run, about a minute), short enough to leave CI most of its time.
const LIMIT: Duration = Duration::from_secs(300);

/// Alive while any copy is held; the test's servers hold it (see `TestApp`).
pub struct Watchdog {
    _alive: mpsc::Sender<()>,
}

impl Watchdog {
    /// Watches the test running on this thread (libtest names the thread after it).
    pub fn start() -> Arc<Watchdog> {
        let test = std::thread::current().name().unwrap_or("a test").to_owned();
        let (alive, ended) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            // Every sender dropped (the test ended) disconnects; only silence times out.
            if let Err(RecvTimeoutError::Timeout) = ended.recv_timeout(LIMIT) {
                eprintln!(
                    "\n✗ {test} still runs after {} s: it hangs. Stopping the test run now.",
                    LIMIT.as_secs()
                );
                std::process::exit(101);
            }
        });
        Arc::new(Watchdog { _alive: alive })
    }
}
