//! Request rate limits: an exact sliding window of one minute per bucket (a team, or
//! an address for callers without a key), kept in Redis so every server instance
//! shares it. One Lua script trims, counts and admits atomically, so with a limit of N
//! exactly N concurrent requests pass.
//!
//! While Redis is unreachable the limiter does not fail requests and does not wait on
//! Redis: after one failed call (bounded by [`REDIS_BUDGET`]) it counts in this
//! process's memory for [`LOCAL_FOR`], then tries Redis again. Limits then hold per
//! instance rather than across instances — a deliberate, documented degradation.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cache::Cache;

pub const WINDOW: Duration = Duration::from_secs(60);
/// The longest a request waits on Redis for its rate-limit decision.
const REDIS_BUDGET: Duration = Duration::from_millis(250);
/// How long the limiter counts locally after Redis failed, before trying it again.
const LOCAL_FOR: Duration = Duration::from_secs(5);

/// KEYS[1]: the bucket; ARGV: window in ms, limit, a unique member. Uses Redis's own
/// clock so instances with skewed clocks agree. Returns {admitted, remaining, reset_ms}.
const SLIDING_WINDOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local reset = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1, reset}
end
return {0, 0, reset}
";

/// The answer for one request, sent back as the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub admitted: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the oldest counted request leaves the window.
    pub reset_secs: u64,
}

pub struct RateLimiter {
    script: redis::Script,
    /// Until when (ms since the epoch) to skip Redis after it failed.
    local_until_ms: AtomicU64,
    local: Mutex<HashMap<String, VecDeque<Instant>>>,
    sequence: AtomicU64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            script: redis::Script::new(SLIDING_WINDOW),
            local_until_ms: AtomicU64::new(0),
            local: Mutex::new(HashMap::new()),
            sequence: AtomicU64::new(0),
        }
    }
}

impl RateLimiter {
    /// Counts one request against `bucket` if it is under `limit` per minute.
    pub async fn check(&self, cache: &Cache, bucket: &str, limit: u32) -> Decision {
        if now_ms() >= self.local_until_ms.load(Ordering::Relaxed) {
            match tokio::time::timeout(REDIS_BUDGET, self.check_redis(cache, bucket, limit)).await {
                Ok(Ok(decision)) => return decision,
                Ok(Err(error)) => {
                    tracing::warn!(%error, "rate limiter: Redis failed; counting in memory for a while")
                }
                Err(_) => {
                    tracing::warn!("rate limiter: Redis too slow; counting in memory for a while")
                }
            }
            self.local_until_ms
                .store(now_ms() + LOCAL_FOR.as_millis() as u64, Ordering::Relaxed);
        }
        self.check_local(bucket, limit)
    }

    async fn check_redis(
        &self,
        cache: &Cache,
        bucket: &str,
        limit: u32,
    ) -> Result<Decision, crate::cache::CacheError> {
        let mut connection = cache.connection().await?;
        let member = format!(
            "{}:{}",
            now_ms(),
            self.sequence.fetch_add(1, Ordering::Relaxed)
        );
        let (admitted, remaining, reset_ms): (i64, i64, i64) = self
            .script
            .key(cache.key(&format!("ratelimit:{bucket}")))
            .arg(WINDOW.as_millis() as u64)
            .arg(limit)
            .arg(member)
            .invoke_async(&mut connection)
            .await?;
        Ok(Decision {
            admitted: admitted == 1,
            limit,
            remaining: remaining.max(0) as u32,
            reset_secs: seconds_up(reset_ms.max(0) as u64),
        })
    }

    fn check_local(&self, bucket: &str, limit: u32) -> Decision {
        let now = Instant::now();
        let Ok(mut buckets) = self.local.lock() else {
            return Decision {
                admitted: true,
                limit,
                remaining: limit,
                reset_secs: WINDOW.as_secs(),
            };
        };
        if buckets.len() > 100_000 {
            buckets.retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
        }
        let times = buckets.entry(bucket.to_string()).or_default();
        while times.front().is_some_and(|t| now - *t >= WINDOW) {
            times.pop_front();
        }
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

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn seconds_up(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_window_admits_exactly_the_limit() {
        let limiter = RateLimiter::default();
        let admitted = (0..15)
            .filter(|_| limiter.check_local("team", 10).admitted)
            .count();
        assert_eq!(admitted, 10);
        let refused = limiter.check_local("team", 10);
        assert_eq!(refused.remaining, 0);
        assert!((1..=60).contains(&refused.reset_secs));
        assert!(limiter.check_local("another team", 10).admitted);
    }

    #[test]
    fn remaining_counts_down() {
        let limiter = RateLimiter::default();
        assert_eq!(limiter.check_local("b", 3).remaining, 2);
        assert_eq!(limiter.check_local("b", 3).remaining, 1);
        assert_eq!(limiter.check_local("b", 3).remaining, 0);
        assert!(!limiter.check_local("b", 3).admitted);
    }
}
