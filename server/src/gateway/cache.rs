//! The gateway's exact-match response cache, in Redis. Opt-in per request
//! (`X-Gateway-Cache: on`, `X-Gateway-Cache-TTL` seconds), for whole answers of
//! deterministic requests only (`temperature: 0`, not streamed): the same request from
//! the same team within the TTL is answered from here, costs nothing and says so
//! (`X-Gateway-Cache: hit`). Keys hold the team's id, so no team ever sees another's
//! answers. Redis being away makes every request a miss, never a failure.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::wire::Parsed;
use crate::redis_client::RedisClient;

/// How long an answer is kept when the request does not say.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3_600);
/// The longest a request may ask for.
pub const MAX_TTL: Duration = Duration::from_secs(7 * 24 * 3_600);

/// What the client asked of the cache for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Not asked for.
    Off,
    /// Asked for, but the request is not deterministic (streamed, or temperature ≠ 0).
    Skipped,
    /// Look up, and keep a miss's answer this long.
    On(Duration),
}

impl CacheUse {
    /// What a request asks (`X-Gateway-Cache: on` or `off`, `X-Gateway-Cache-TTL`), over
    /// what its key is set to (`key_ttl`: on, answers kept that long).
    pub fn of(
        headers: &HeaderMap,
        key_ttl: Option<Duration>,
        stream: bool,
        temperature: Option<f32>,
    ) -> CacheUse {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let asked = match header("x-gateway-cache") {
            Some(v) if v.eq_ignore_ascii_case("on") => true,
            Some(v) if v.eq_ignore_ascii_case("off") => false,
            _ => key_ttl.is_some(),
        };
        if !asked {
            return CacheUse::Off;
        }
        if stream || temperature != Some(0.0) {
            return CacheUse::Skipped;
        }
        let ttl = header("x-gateway-cache-ttl")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|secs| Duration::from_secs(secs.max(1)))
            .or(key_ttl)
            .map_or(DEFAULT_TTL, |ttl| ttl.min(MAX_TTL));
        CacheUse::On(ttl)
    }
}

/// A kept answer: its body, the model that gave it and what it cost then.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cached {
    pub answer: Value,
    pub model: String,
    pub cost_micro_usd: i64,
}

pub struct ResponseCache {
    redis: Arc<RedisClient>,
}

impl ResponseCache {
    pub fn new(redis: Arc<RedisClient>) -> ResponseCache {
        ResponseCache { redis }
    }

    /// The team's key for a request: everything that shapes the answer, hashed.
    pub fn key(&self, team_id: Uuid, model: &str, request: &Parsed) -> String {
        let shape = serde_json::json!([
            model,
            request.chat,
            request.choices,
            request.legacy_functions
        ]);
        let digest = Sha256::digest(shape.to_string().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.redis.key(&format!("gateway-cache:{team_id}:{hex}"))
    }

    pub async fn get(&self, key: &str) -> Option<Cached> {
        let mut connection = self.redis.connection().await.ok()?;
        let kept: Option<String> = connection
            .get(key)
            .await
            .inspect_err(|error| tracing::warn!(%error, "response cache unreadable"))
            .ok()?;
        serde_json::from_str(&kept?).ok()
    }

    pub async fn put(&self, key: &str, cached: &Cached, ttl: Duration) {
        let Ok(mut connection) = self.redis.connection().await else {
            return;
        };
        let Ok(text) = serde_json::to_string(cached) else {
            return;
        };
        if let Err(error) = connection
            .set_ex::<_, _, ()>(key, text, ttl.as_secs())
            .await
        {
            tracing::warn!(%error, "could not keep an answer in the response cache");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_deterministic_whole_answers_are_cached_and_only_when_asked() {
        let of = |headers: &HeaderMap, stream, temperature| {
            CacheUse::of(headers, None, stream, temperature)
        };
        let mut headers = HeaderMap::new();
        assert_eq!(of(&headers, false, Some(0.0)), CacheUse::Off);
        headers.insert("x-gateway-cache", HeaderValue::from_static("on"));
        assert_eq!(of(&headers, false, Some(0.0)), CacheUse::On(DEFAULT_TTL));
        assert_eq!(of(&headers, true, Some(0.0)), CacheUse::Skipped);
        assert_eq!(of(&headers, false, None), CacheUse::Skipped);
        assert_eq!(of(&headers, false, Some(0.7)), CacheUse::Skipped);
        headers.insert("x-gateway-cache-ttl", HeaderValue::from_static("60"));
        assert_eq!(
            of(&headers, false, Some(0.0)),
            CacheUse::On(Duration::from_secs(60))
        );
        headers.insert("x-gateway-cache-ttl", HeaderValue::from_static("99999999"));
        assert_eq!(of(&headers, false, Some(0.0)), CacheUse::On(MAX_TTL));
    }

    #[test]
    fn a_key_set_to_cache_uses_it_unless_a_request_opts_out() {
        let day = Some(Duration::from_secs(86_400));
        let mut headers = HeaderMap::new();
        assert_eq!(
            CacheUse::of(&headers, day, false, Some(0.0)),
            CacheUse::On(Duration::from_secs(86_400))
        );
        assert_eq!(
            CacheUse::of(&headers, day, false, Some(1.0)),
            CacheUse::Skipped
        );
        headers.insert("x-gateway-cache-ttl", HeaderValue::from_static("30"));
        assert_eq!(
            CacheUse::of(&headers, day, false, Some(0.0)),
            CacheUse::On(Duration::from_secs(30)),
            "the request's TTL wins"
        );
        headers.insert("x-gateway-cache", HeaderValue::from_static("off"));
        assert_eq!(CacheUse::of(&headers, day, false, Some(0.0)), CacheUse::Off);
    }
}
