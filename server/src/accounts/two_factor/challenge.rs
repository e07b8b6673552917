//! Sign-ins waiting for their second factor, in Redis for five minutes. The browser holds
//! a random token (in a cookie); Redis holds who is signing in under the token's
//! SHA-256. Each challenge takes a few wrong codes, then is gone: the person starts
//! again with their password (and every wrong code also counts toward the sign-in
//! limits of the account).

use std::time::Duration;

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::redis_client::{RedisClient, RedisClientError};

pub const LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Wrong codes one challenge takes before it is withdrawn.
const TRIES: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub user_id: Uuid,
    pub team_id: Uuid,
    pub email: String,
}

fn key(cache: &RedisClient, token: &str) -> String {
    let digest = crate::crypto::sha256(token);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    cache.key(&format!("signin-challenge:{hex}"))
}

/// Stores `pending` and returns its token for the browser.
pub async fn create(cache: &RedisClient, pending: &Pending) -> Result<String, RedisClientError> {
    let token = crate::crypto::random_token();
    let value = serde_json::to_string(pending).unwrap_or_default();
    let mut redis = cache.connection().await?;
    let _: () = redis
        .set_ex(key(cache, &token), value, LIFETIME.as_secs())
        .await?;
    Ok(token)
}

pub async fn find(cache: &RedisClient, token: &str) -> Result<Option<Pending>, RedisClientError> {
    let mut redis = cache.connection().await?;
    let value: Option<String> = redis.get(key(cache, token)).await?;
    Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Counts a wrong code; withdraws the challenge at the last one.
pub async fn wrong_code(cache: &RedisClient, token: &str) -> Result<(), RedisClientError> {
    let key = key(cache, token);
    let tries_key = format!("{key}:tries");
    let mut redis = cache.connection().await?;
    let (tries,): (u64,) = redis::pipe()
        .atomic()
        .incr(&tries_key, 1)
        .expire(&tries_key, i64::try_from(LIFETIME.as_secs()).unwrap_or(300))
        .ignore()
        .query_async(&mut redis)
        .await?;
    if tries >= TRIES {
        let _: () = redis.del(&[key, tries_key]).await?;
    }
    Ok(())
}

pub async fn finish(cache: &RedisClient, token: &str) -> Result<(), RedisClientError> {
    let key = key(cache, token);
    let mut redis = cache.connection().await?;
    let _: () = redis.del(&[format!("{key}:tries"), key]).await?;
    Ok(())
}
