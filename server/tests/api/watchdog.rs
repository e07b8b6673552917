//! A test that hangs stops the run at once, named, with what its database was doing,
//! instead of holding the whole suite until CI's time limit ends it with nothing said
//! about which test or why.

use std::io::Write;
use std::process::Command;
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
    pub fn start(owner_database_url: String) -> Arc<Watchdog> {
        let test = std::thread::current().name().unwrap_or("a test").to_owned();
        let (alive, ended) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            // Every sender dropped (the test ended) disconnects; only silence times out.
            if let Err(RecvTimeoutError::Timeout) = ended.recv_timeout(LIMIT) {
                say(&format!(
                    "\n✗ {test} still runs after {} s: it hangs. Stopping the test run now.\n",
                    LIMIT.as_secs()
                ));
                print_database_activity(&owner_database_url);
                std::process::exit(101);
            }
        });
        Arc::new(Watchdog { _alive: alive })
    }
}

/// What every connection to the test's database is doing and waiting for (a lock, a
/// client, I/O), on stderr: the first clue when a request or a test hangs.
pub fn print_database_activity(owner_database_url: &str) {
    let Some(database) = owner_database_url.rsplit('/').next() else {
        return;
    };
    let query = format!(
        "SELECT pid, usename, application_name, state, wait_event_type, wait_event, \
                now() - query_start AS running_for, left(query, 200) AS query \
           FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    );
    match Command::new("psql")
        .args([owner_database_url, "-X", "-c", &query])
        .output()
    {
        Ok(out) => say(&format!(
            "connections to {database}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(error) => say(&format!(
            "could not run psql to show {database}'s connections: {error}\n"
        )),
    }
}

/// Says on stderr whenever the test's runtime (one thread: the server, its workers and
/// the test's own requests) went more than a second and a half without running a
/// timer: something held the thread (blocking work), which shows as slow or timed-out
/// requests everywhere in that test.
pub fn report_stalls(server: std::net::SocketAddr) {
    const BEAT: Duration = Duration::from_millis(100);
    const STALL: Duration = Duration::from_millis(1500);
    tokio::spawn(async move {
        let mut last = std::time::Instant::now();
        loop {
            tokio::time::sleep(BEAT).await;
            let gap = last.elapsed();
            if gap > STALL {
                say(&format!(
                    "the runtime of the test serving {server} was held for {gap:?}\n"
                ));
            }
            last = std::time::Instant::now();
        }
    });
}

/// Straight to stderr: libtest captures `eprintln!` in a test's threads and would drop
/// it with the process.
pub fn say(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}
