//! Sign-in attempt limits: per email and per client address, in fixed windows in Redis.
//! Counted before the password is checked, so guessing costs the guesser, not us.

use std::net::IpAddr;

use redis::AsyncCommands;

use crate::cache::{Cache, CacheError};

const WINDOW_SECS: u64 = 15 * 60;
const PER_EMAIL: u64 = 10;
const PER_ADDRESS: u64 = 50;

/// `Ok(None)` to go ahead, `Ok(Some(seconds))` to wait that long.
pub async fn check(
    cache: &Cache,
    email: &str,
    ip: Option<IpAddr>,
) -> Result<Option<u64>, CacheError> {
    let mut redis = cache.connection().await?;
    let mut keys = vec![(format!("signin:email:{email}"), PER_EMAIL)];
    if let Some(ip) = ip {
        keys.push((format!("signin:ip:{ip}"), PER_ADDRESS));
    }
    for (key, limit) in keys {
        let (count, ttl): (u64, i64) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .expire(&key, i64::try_from(WINDOW_SECS).unwrap_or(900))
            .arg("NX")
            .ignore()
            .ttl(&key)
            .query_async(&mut redis)
            .await?;
        if count > limit {
            return Ok(Some(u64::try_from(ttl).unwrap_or(WINDOW_SECS)));
        }
    }
    Ok(None)
}

/// A successful sign-in clears the email's count.
pub async fn reset(cache: &Cache, email: &str) -> Result<(), CacheError> {
    let mut redis = cache.connection().await?;
    let _: () = redis.del(format!("signin:email:{email}")).await?;
    Ok(())
}
