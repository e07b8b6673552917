//! Sign-ins on their way through a provider, in Redis for ten minutes under the SHA-256
//! of their `state`: the nonce and PKCE verifier to check the answer with, where to go
//! after, and whose account a link is for. Taken once (GETDEL), so a callback replayed
//! finds nothing.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::redis_client::{RedisClient, RedisClientError};

const LIFETIME: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// A local path to land on.
    pub next: String,
    /// Linking to this signed-in account, rather than signing in.
    pub link_to: Option<Uuid>,
}

fn key(cache: &RedisClient, state: &str) -> String {
    let hex: String = crate::crypto::sha256(state)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    cache.key(&format!("oidc-state:{hex}"))
}

pub async fn keep(
    cache: &RedisClient,
    state: &str,
    pending: &Pending,
) -> Result<(), RedisClientError> {
    let value = serde_json::to_string(pending).unwrap_or_default();
    let mut redis = cache.connection().await?;
    redis::cmd("SET")
        .arg(key(cache, state))
        .arg(value)
        .arg("EX")
        .arg(LIFETIME.as_secs())
        .query_async::<()>(&mut redis)
        .await?;
    Ok(())
}

pub async fn take(cache: &RedisClient, state: &str) -> Result<Option<Pending>, RedisClientError> {
    let mut redis = cache.connection().await?;
    let value: Option<String> = redis::cmd("GETDEL")
        .arg(key(cache, state))
        .query_async(&mut redis)
        .await?;
    Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
}
