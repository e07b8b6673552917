//! The numbers `GET /metrics` exposes in Prometheus' text format: requests by route and
//! status, a latency histogram by route, database pool use, and the run queue. Kept in-process with a
//! mutex: a handful of label sets, updated once per request, is far from contended.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// What the pool looks like at scrape time.
pub struct PoolUse {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// The run queue at scrape time (every team): runs waiting for a worker, and how long
/// the oldest has waited.
#[derive(sqlx::FromRow)]
pub struct RunQueue {
    pub waiting: i64,
    pub oldest_wait_seconds: f64,
}

impl Metrics {
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut recorded) = self.inner.lock() else {
            return;
        };
        *recorded
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = recorded.latency.entry(route.to_owned()).or_default();
        let seconds = elapsed.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum_seconds += seconds;
    }

    /// The text format; `queue` is left out when the database could not say.
    pub fn render(&self, pool: &PoolUse, queue: Option<&RunQueue>) -> String {
        let (requests, latency) = match self.inner.lock() {
            Ok(recorded) => (recorded.requests.clone(), recorded.latency.clone()),
            Err(_) => Default::default(),
        };
        let mut out = String::new();
        // Writing to a String cannot fail, so the results are ignored.
        let _ = writeln!(
            out,
            "# HELP http_requests_total HTTP requests by method, route and status."
        );
        let _ = writeln!(out, "# TYPE http_requests_total counter");
        for ((method, route, status), count) in &requests {
            let _ = writeln!(
                out,
                "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds Time to the response head, by route."
        );
        let _ = writeln!(out, "# TYPE http_request_duration_seconds histogram");
        for (route, histogram) in &latency {
            let route = escape(route);
            for (bound, count) in BUCKETS.iter().zip(histogram.counts) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_seconds
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP db_pool_connections Database pool connections by state."
        );
        let _ = writeln!(out, "# TYPE db_pool_connections gauge");
        let _ = writeln!(
            out,
            "db_pool_connections{{state=\"in_use\"}} {}",
            pool.size.saturating_sub(pool.idle)
        );
        let _ = writeln!(out, "db_pool_connections{{state=\"idle\"}} {}", pool.idle);
        let _ = writeln!(out, "db_pool_connections{{state=\"max\"}} {}", pool.max);
        if let Some(queue) = queue {
            let _ = writeln!(
                out,
                "# HELP agent_factory_runs_queued Runs waiting for a worker (queued, or under a lapsed lease)."
            );
            let _ = writeln!(out, "# TYPE agent_factory_runs_queued gauge");
            let _ = writeln!(out, "agent_factory_runs_queued {}", queue.waiting);
            let _ = writeln!(
                out,
                "# HELP agent_factory_run_queue_oldest_seconds How long the oldest waiting run has waited."
            );
            let _ = writeln!(out, "# TYPE agent_factory_run_queue_oldest_seconds gauge");
            let _ = writeln!(
                out,
                "agent_factory_run_queue_oldest_seconds {}",
                queue.oldest_wait_seconds
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_and_fills_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.record_request("GET", "/health", 200, Duration::from_millis(3));
        metrics.record_request("GET", "/health", 200, Duration::from_millis(300));
        let pool = PoolUse {
            size: 3,
            idle: 1,
            max: 10,
        };
        let queue = RunQueue {
            waiting: 4,
            oldest_wait_seconds: 2.5,
        };
        let text = metrics.render(&pool, Some(&queue));
        assert!(
            text.contains(r#"http_requests_total{method="GET",route="/health",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{route="/health",le="0.005"} 1"#)
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{route="/health",le="0.5"} 2"#)
        );
        assert!(text.contains(r#"http_request_duration_seconds_count{route="/health"} 2"#));
        assert!(text.contains(r#"db_pool_connections{state="in_use"} 2"#));
        assert!(text.contains("agent_factory_runs_queued 4\n"));
        assert!(text.contains("agent_factory_run_queue_oldest_seconds 2.5\n"));
        // Left out, not reported as zero, when the database could not say.
        assert!(
            !metrics
                .render(&pool, None)
                .contains("agent_factory_runs_queued")
        );
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
