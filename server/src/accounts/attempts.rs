//! Limits on what a guesser or a spammer repeats — failed sign-ins, requests for a
//! password-reset or verification link — per email and per client address, in fixed windows in Redis. Checked
//! before the costly part (hashing a password, sending a mail), so a caller past the
//! limit costs next to nothing.

use std::net::IpAddr;

use redis::AsyncCommands;

use crate::redis_client::{RedisClient, RedisClientError};

/// One limit: at most `per_email` and `per_address` counted events in `window_secs`.
pub struct Limits {
    name: &'static str,
    per_email: u64,
    per_address: u64,
    window_secs: i64,
}

/// Only failures count, so people signing in successfully are never locked out.
pub const SIGN_IN_FAILURES: Limits = Limits {
    name: "signin-failures",
    per_email: 10,
    per_address: 50,
    window_secs: 15 * 60,
};

/// Every request counts, whether or not the address has an account.
pub const RESET_REQUESTS: Limits = Limits {
    name: "reset-requests",
    per_email: 3,
    per_address: 20,
    window_secs: 60 * 60,
};

/// "Send the link again", per person and per address.
pub const VERIFY_REQUESTS: Limits = Limits {
    name: "verify-requests",
    per_email: 3,
    per_address: 20,
    window_secs: 60 * 60,
};

impl Limits {
    fn keys(&self, cache: &RedisClient, email: &str, ip: Option<IpAddr>) -> Vec<(String, u64)> {
        let mut keys = vec![(
            cache.key(&format!("{}:email:{email}", self.name)),
            self.per_email,
        )];
        if let Some(ip) = ip {
            keys.push((
                cache.key(&format!("{}:ip:{ip}", self.name)),
                self.per_address,
            ));
        }
        keys
    }

    /// `Ok(None)` to go ahead, `Ok(Some(seconds))` to wait that long.
    pub async fn check(
        &self,
        cache: &RedisClient,
        email: &str,
        ip: Option<IpAddr>,
    ) -> Result<Option<u64>, RedisClientError> {
        let mut redis = cache.connection().await?;
        for (key, limit) in self.keys(cache, email, ip) {
            let count: Option<u64> = redis.get(&key).await?;
            if count.unwrap_or(0) >= limit {
                let ttl: i64 = redis.ttl(&key).await?;
                return Ok(Some(u64::try_from(ttl.max(1)).unwrap_or(1)));
            }
        }
        Ok(None)
    }

    pub async fn record(
        &self,
        cache: &RedisClient,
        email: &str,
        ip: Option<IpAddr>,
    ) -> Result<(), RedisClientError> {
        let mut redis = cache.connection().await?;
        for (key, _) in self.keys(cache, email, ip) {
            // The window starts at the first event (NX: later ones do not extend it).
            redis::pipe()
                .atomic()
                .incr(&key, 1)
                .ignore()
                .cmd("EXPIRE")
                .arg(&key)
                .arg(self.window_secs)
                .arg("NX")
                .ignore()
                .query_async::<()>(&mut redis)
                .await?;
        }
        Ok(())
    }

    /// Counts one more event unless past the limits: `Ok(Some(seconds))` to wait that
    /// long instead.
    pub async fn take(
        &self,
        cache: &RedisClient,
        email: &str,
        ip: Option<IpAddr>,
    ) -> Result<Option<u64>, RedisClientError> {
        if let Some(wait) = self.check(cache, email, ip).await? {
            return Ok(Some(wait));
        }
        self.record(cache, email, ip).await?;
        Ok(None)
    }

    /// Clears the email's count (a successful sign-in, a password reset).
    pub async fn reset(&self, cache: &RedisClient, email: &str) -> Result<(), RedisClientError> {
        let mut redis = cache.connection().await?;
        let _: () = redis
            .del(cache.key(&format!("{}:email:{email}", self.name)))
            .await?;
        Ok(())
    }
}
