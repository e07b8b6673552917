//! Request rate limits: an exact sliding window of one minute per bucket (a team, or
//! an address for callers without a key), kept in Redis so every server instance
//! shares it. One Lua script trims, counts and admits atomically, so with a limit of N
//! exactly N concurrent requests pass.
//!
//! Far from its limit, a bucket's requests are admitted from memory and counted in
//! Redis a moment later, in batches gathered for [`FLUSH_GATHER`], off the request path
//! ([`memory_admission`]); near it, Redis decides each request once those batches are
//! in (a request waiting for them cuts the gathering short).
//!
//! While Redis is unreachable the limiter does not fail requests and does not wait on
//! Redis: after one failed call (bounded by [`REDIS_BUDGET`]) it counts in this
//! process's memory for [`LOCAL_FOR`], from what this process admitted in the last
//! minute, then tries Redis again. Limits then hold per instance rather than across
//! instances — a deliberate, documented degradation.

mod local;
mod memory_admission;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::redis_client::RedisClient;
use local::LocalWindow;
use memory_admission::{Admission, Asking, Counted, Ledger};

pub const WINDOW: Duration = Duration::from_secs(60);
/// The longest a request waits on Redis for its rate-limit decision.
const REDIS_BUDGET: Duration = Duration::from_millis(250);
/// How long the limiter counts locally after Redis failed, before trying it again.
const LOCAL_FOR: Duration = Duration::from_secs(5);
/// How long a flush gathers a bucket's requests before sending them (unless a request
/// near the limit needs the count now): one Redis call per few milliseconds at any
/// rate, rather than one per request when requests come one at a time.
const FLUSH_GATHER: Duration = Duration::from_millis(5);

/// `KEYS[1]`: the bucket; ARGV: window in ms, limit, a unique member prefix, how many
/// requests to count, and `1` to count them whatever the count (they were admitted from
/// memory) or `0` to count them only if they fit. Uses Redis's own clock so instances
/// with skewed clocks agree. Returns {admitted, remaining, reset_ms, now_ms}.
const SLIDING_WINDOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local n = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = 0
if ARGV[5] == '1' or count + n <= limit then
  local members = {}
  for i = 1, n do
    members[#members + 1] = now
    members[#members + 1] = ARGV[3] .. ':' .. i
  end
  redis.call('ZADD', KEYS[1], unpack(members))
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + n
  admitted = 1
end
local reset = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {admitted, math.max(limit - count, 0), reset, now}
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
    local: LocalWindow,
    /// Admission from memory for buckets far from their limit.
    memory: Ledger,
    /// Makes window members unique across instances and requests.
    instance: u64,
    sequence: AtomicU64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            script: redis::Script::new(SLIDING_WINDOW),
            local_until_ms: AtomicU64::new(0),
            local: LocalWindow::default(),
            memory: Ledger::default(),
            instance: uuid::Uuid::new_v4().as_u64_pair().0,
            sequence: AtomicU64::new(0),
        }
    }
}

impl RateLimiter {
    /// Counts one request against `bucket` if it is under `limit` per minute.
    pub async fn check(
        self: &Arc<Self>,
        cache: &Arc<RedisClient>,
        bucket: &str,
        limit: u32,
    ) -> Decision {
        if now_ms() >= self.local_until_ms.load(Ordering::Relaxed) {
            let counted = match self.memory.admit(bucket, limit) {
                Admission::Admitted {
                    decision,
                    start_flush,
                } => {
                    if start_flush {
                        tokio::spawn(self.clone().flush(cache.clone(), bucket.to_owned(), limit));
                    }
                    self.local.record(bucket, limit);
                    return decision;
                }
                Admission::AskRedis { counted } => counted,
            };
            let asking = Asking::new(&self.memory, bucket, counted);
            let decide = async {
                self.memory.settled(bucket).await;
                self.count_in_redis(cache, bucket, limit, 1, false).await
            };
            match tokio::time::timeout(REDIS_BUDGET, decide).await {
                Ok(Ok(counted)) => {
                    asking.answered(counted);
                    let decision = counted.decision;
                    if decision.admitted {
                        self.local.record(bucket, limit);
                    }
                    return decision;
                }
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
        self.local.check(bucket, limit)
    }

    /// Adds the bucket's requests admitted from memory to the Redis window, batch after
    /// batch, until none is left; the only flush of this bucket while it runs.
    async fn flush(self: Arc<Self>, cache: Arc<RedisClient>, bucket: String, limit: u32) {
        if let Some(hurry) = self.memory.hurry(&bucket) {
            tokio::select! {
                () = tokio::time::sleep(FLUSH_GATHER) => {}
                () = hurry.notified() => {}
            }
        }
        while let Some(batch) = self.memory.next_batch(&bucket) {
            let sent = tokio::time::timeout(
                REDIS_BUDGET,
                self.count_in_redis(&cache, &bucket, limit, batch, true),
            )
            .await;
            match sent {
                Ok(Ok(counted)) => self.memory.sent(&bucket, batch, counted),
                failed => {
                    let error = match failed {
                        Ok(Err(error)) => error.to_string(),
                        _ => "timed out".to_owned(),
                    };
                    tracing::warn!(%error, %bucket, batch, "rate limiter: could not count requests admitted from memory");
                    self.memory.forget(&bucket);
                    return;
                }
            }
        }
    }

    /// Counts `n` requests in the Redis window: only if they fit, or (`admitted`) in any
    /// case.
    async fn count_in_redis(
        &self,
        cache: &RedisClient,
        bucket: &str,
        limit: u32,
        n: u32,
        admitted: bool,
    ) -> Result<Counted, crate::redis_client::RedisClientError> {
        let mut connection = cache.connection().await?;
        let member = format!(
            "{:x}:{}",
            self.instance,
            self.sequence.fetch_add(1, Ordering::Relaxed)
        );
        let (counted, remaining, reset_ms, now_ms): (i64, i64, i64, i64) = self
            .script
            .key(cache.key(&format!("ratelimit:{bucket}")))
            .arg(WINDOW.as_millis() as u64)
            .arg(limit)
            .arg(member)
            .arg(n)
            .arg(u8::from(admitted))
            .invoke_async(&mut connection)
            .await?;
        Ok(Counted {
            decision: Decision {
                admitted: counted == 1,
                limit,
                remaining: remaining.max(0) as u32,
                reset_secs: seconds_up(reset_ms.max(0) as u64),
            },
            at_ms: now_ms.max(0) as u64,
        })
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
