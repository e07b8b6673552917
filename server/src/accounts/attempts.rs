//! Sign-in failure limits: per email and per client address, in fixed windows in
//! Redis. Checked before the password is, so a guesser past the limit costs no hashing;
//! only failures count, so people signing in successfully are never locked out.

use std::net::IpAddr;

use redis::AsyncCommands;

use crate::redis_client::{RedisClient, RedisClientError};

const WINDOW_SECS: i64 = 15 * 60;
const PER_EMAIL: u64 = 10;
const PER_ADDRESS: u64 = 50;

fn keys(cache: &RedisClient, email: &str, ip: Option<IpAddr>) -> Vec<(String, u64)> {
    let mut keys = vec![(
        cache.key(&format!("signin-failures:email:{email}")),
        PER_EMAIL,
    )];
    if let Some(ip) = ip {
        keys.push((cache.key(&format!("signin-failures:ip:{ip}")), PER_ADDRESS));
    }
    keys
}

/// `Ok(None)` to go ahead, `Ok(Some(seconds))` to wait that long.
pub async fn check(
    cache: &RedisClient,
    email: &str,
    ip: Option<IpAddr>,
) -> Result<Option<u64>, RedisClientError> {
    let mut redis = cache.connection().await?;
    for (key, limit) in keys(cache, email, ip) {
        let failures: Option<u64> = redis.get(&key).await?;
        if failures.unwrap_or(0) >= limit {
            let ttl: i64 = redis.ttl(&key).await?;
            return Ok(Some(u64::try_from(ttl.max(1)).unwrap_or(1)));
        }
    }
    Ok(None)
}

pub async fn record_failure(
    cache: &RedisClient,
    email: &str,
    ip: Option<IpAddr>,
) -> Result<(), RedisClientError> {
    let mut redis = cache.connection().await?;
    for (key, _) in keys(cache, email, ip) {
        // The window starts at the first failure (NX: later ones do not extend it).
        redis::pipe()
            .atomic()
            .incr(&key, 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(WINDOW_SECS)
            .arg("NX")
            .ignore()
            .query_async::<()>(&mut redis)
            .await?;
    }
    Ok(())
}

/// A successful sign-in clears the email's failures.
pub async fn reset(cache: &RedisClient, email: &str) -> Result<(), RedisClientError> {
    let mut redis = cache.connection().await?;
    let _: () = redis
        .del(cache.key(&format!("signin-failures:email:{email}")))
        .await?;
    Ok(())
}
