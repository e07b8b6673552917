//! The window kept in this process's memory while Redis is unreachable: the same
//! sliding minute, per instance instead of across instances. Requests admitted while
//! Redis decides are recorded here too, so counting in memory carries on from what this
//! instance admitted rather than from zero (a Redis that is merely slow for a moment
//! does not let a burst through twice).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use super::{Decision, WINDOW, seconds_up};

#[derive(Default)]
pub(super) struct LocalWindow {
    buckets: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LocalWindow {
    /// Notes a request admitted elsewhere (from memory or by Redis), up to `limit`
    /// kept per bucket.
    pub(super) fn record(&self, bucket: &str, limit: u32) {
        let now = Instant::now();
        if let Ok(mut buckets) = self.buckets.lock() {
            let times = window(&mut buckets, bucket, now);
            if times.len() < limit as usize {
                times.push_back(now);
            }
        }
    }

    pub(super) fn check(&self, bucket: &str, limit: u32) -> Decision {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Decision {
                admitted: true,
                limit,
                remaining: limit,
                reset_secs: WINDOW.as_secs(),
            };
        };
        let times = window(&mut buckets, bucket, now);
        let reset_secs = times.front().map_or(WINDOW.as_secs(), |t| {
            seconds_up((WINDOW - (now - *t)).as_millis() as u64)
        });
        let count = times.len() as u32;
        if count < limit {
            times.push_back(now);
            Decision {
                admitted: true,
                limit,
                remaining: limit - count - 1,
                reset_secs,
            }
        } else {
            Decision {
                admitted: false,
                limit,
                remaining: 0,
                reset_secs,
            }
        }
    }
}

/// The bucket's requests of the last minute (older ones dropped); buckets gone quiet
/// are dropped when there are many.
fn window<'a>(
    buckets: &'a mut HashMap<String, VecDeque<Instant>>,
    bucket: &str,
    now: Instant,
) -> &'a mut VecDeque<Instant> {
    if buckets.len() > 100_000 {
        buckets.retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
    }
    let times = buckets.entry(bucket.to_string()).or_default();
    while times.front().is_some_and(|t| now - *t >= WINDOW) {
        times.pop_front();
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_exactly_the_limit() {
        let window = LocalWindow::default();
        let admitted = (0..15)
            .filter(|_| window.check("team", 10).admitted)
            .count();
        assert_eq!(admitted, 10);
        let refused = window.check("team", 10);
        assert_eq!(refused.remaining, 0);
        assert!((1..=60).contains(&refused.reset_secs));
        assert!(window.check("another team", 10).admitted);
    }

    #[test]
    fn counting_carries_on_from_what_was_recorded() {
        let window = LocalWindow::default();
        for _ in 0..8 {
            window.record("team", 10);
        }
        let admitted = (0..5).filter(|_| window.check("team", 10).admitted).count();
        assert_eq!(admitted, 2);
    }

    #[test]
    fn remaining_counts_down() {
        let window = LocalWindow::default();
        assert_eq!(window.check("b", 3).remaining, 2);
        assert_eq!(window.check("b", 3).remaining, 1);
        assert_eq!(window.check("b", 3).remaining, 0);
        assert!(!window.check("b", 3).admitted);
    }
}
