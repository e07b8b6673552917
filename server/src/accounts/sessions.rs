//! Server-side sessions in Redis. The cookie holds a random token; Redis holds the
//! session under the token's SHA-256, so a leaked Redis dump yields no usable cookie.
//! Sessions expire after an idle period and, regardless of use, after an absolute one;
//! a per-user index lets a password change end every other session, and lists a
//! person's sessions (device, address, last seen) so they can end any of them. A
//! session's id in that list is the digest, never the token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use app::backend::{ClientInfo, NewSession, SessionToken};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::redis_client::{RedisClient, RedisClientError};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: Uuid,
    pub team_id: Uuid,
    pub created_at: u64,
    /// Where it was started from, for the person's list of sessions.
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub ip: Option<String>,
    /// When it was last used, to the minute (older sessions have none: their start).
    #[serde(default)]
    pub last_seen: u64,
}

/// One of a person's live sessions, as their list shows it.
pub struct Listed {
    /// The digest under which Redis keeps it.
    pub id: String,
    pub session: Session,
    pub current: bool,
}

/// How stale `last_seen` may get before a use rewrites it (one write a minute at most).
const LAST_SEEN_EVERY: u64 = 60;
/// The longest user agent kept.
const MAX_USER_AGENT: usize = 256;

#[derive(Clone)]
pub struct SessionStore {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionStore {
    pub async fn create(
        &self,
        cache: &RedisClient,
        user_id: Uuid,
        team_id: Uuid,
        client: &ClientInfo,
    ) -> Result<NewSession, RedisClientError> {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let key = key_for(cache, &token);
        let now = now_secs();
        let session = Session {
            user_id,
            team_id,
            created_at: now,
            user_agent: client
                .user_agent
                .as_ref()
                .map(|agent| agent.chars().take(MAX_USER_AGENT).collect()),
            ip: client.ip.map(|ip| ip.to_string()),
            last_seen: now,
        };
        let value = serde_json::to_string(&session).unwrap_or_default();
        let mut redis = cache.connection().await?;
        let index = cache.key(&format!("user-sessions:{user_id}"));
        redis::pipe()
            .atomic()
            .set_ex(&key, value, self.idle.as_secs())
            .sadd(&index, &key)
            .expire(
                &index,
                i64::try_from(self.absolute.as_secs()).unwrap_or(i64::MAX),
            )
            .query_async::<()>(&mut redis)
            .await?;
        Ok(NewSession {
            token: SessionToken(token),
            max_age_secs: self.absolute.as_secs(),
        })
    }

    /// The live session for a token, refreshing its idle timer; `None` when unknown,
    /// idle too long or past its absolute lifetime.
    pub async fn get(
        &self,
        cache: &RedisClient,
        token: &SessionToken,
    ) -> Result<Option<Session>, RedisClientError> {
        let key = key_for(cache, &token.0);
        let mut redis = cache.connection().await?;
        let Some(value): Option<String> = redis.get(&key).await? else {
            return Ok(None);
        };
        let Ok(mut session) = serde_json::from_str::<Session>(&value) else {
            return Ok(None);
        };
        let now = now_secs();
        if now.saturating_sub(session.created_at) > self.absolute.as_secs() {
            let _: () = redis.del(&key).await?;
            return Ok(None);
        }
        // The idle timer restarts either way; `last_seen` is rewritten once a minute.
        if now.saturating_sub(session.last_seen.max(session.created_at)) >= LAST_SEEN_EVERY {
            session.last_seen = now;
            let value = serde_json::to_string(&session).unwrap_or_default();
            let _: () = redis.set_ex(&key, value, self.idle.as_secs()).await?;
        } else {
            let _: () = redis
                .expire(&key, i64::try_from(self.idle.as_secs()).unwrap_or(i64::MAX))
                .await?;
        }
        Ok(Some(session))
    }

    /// Points a live session at another team, keeping its lifetimes.
    pub async fn switch_team(
        &self,
        cache: &RedisClient,
        token: &SessionToken,
        team_id: Uuid,
    ) -> Result<(), RedisClientError> {
        let Some(mut session) = self.get(cache, token).await? else {
            return Ok(());
        };
        session.team_id = team_id;
        let key = key_for(cache, &token.0);
        let value = serde_json::to_string(&session).unwrap_or_default();
        let mut redis = cache.connection().await?;
        let _: () = redis.set_ex(&key, value, self.idle.as_secs()).await?;
        Ok(())
    }

    /// Ends every session of the user except `keep` (the one changing the password).
    pub async fn revoke_all(
        &self,
        cache: &RedisClient,
        user_id: Uuid,
        keep: Option<&SessionToken>,
    ) -> Result<(), RedisClientError> {
        let index = cache.key(&format!("user-sessions:{user_id}"));
        let keep = keep.map(|token| key_for(cache, &token.0));
        let mut redis = cache.connection().await?;
        let keys: Vec<String> = redis.smembers(&index).await?;
        for key in keys.iter().filter(|k| Some(*k) != keep.as_ref()) {
            let _: () = redis.del(key).await?;
            let _: () = redis.srem(&index, key).await?;
        }
        Ok(())
    }

    /// The user's live sessions, the most recently used first; `current` is the one
    /// asking. Entries of sessions that expired are dropped from the index on the way.
    pub async fn list(
        &self,
        cache: &RedisClient,
        user_id: Uuid,
        current: &SessionToken,
    ) -> Result<Vec<Listed>, RedisClientError> {
        let index = cache.key(&format!("user-sessions:{user_id}"));
        let current = key_for(cache, &current.0);
        let mut redis = cache.connection().await?;
        let keys: Vec<String> = redis.smembers(&index).await?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<String>> = redis.mget(&keys).await?;
        let mut listed = Vec::new();
        for (key, value) in keys.iter().zip(values) {
            let session = value.and_then(|v| serde_json::from_str::<Session>(&v).ok());
            match session {
                Some(session) if session.user_id == user_id => listed.push(Listed {
                    id: key.rsplit(':').next().unwrap_or_default().to_owned(),
                    current: *key == current,
                    session,
                }),
                _ => {
                    let _: () = redis.srem(&index, key).await?;
                }
            }
        }
        listed.sort_by_key(|l| std::cmp::Reverse(l.session.last_seen.max(l.session.created_at)));
        Ok(listed)
    }

    /// Ends the user's session with this id (from [`Self::list`]); `false` when the
    /// user has no such session.
    pub async fn revoke_by_id(
        &self,
        cache: &RedisClient,
        user_id: Uuid,
        id: &str,
    ) -> Result<bool, RedisClientError> {
        let index = cache.key(&format!("user-sessions:{user_id}"));
        let key = cache.key(&format!("session:{id}"));
        let mut redis = cache.connection().await?;
        let removed: i64 = redis.srem(&index, &key).await?;
        if removed == 0 {
            return Ok(false);
        }
        let _: () = redis.del(&key).await?;
        Ok(true)
    }

    pub async fn revoke(
        &self,
        cache: &RedisClient,
        token: &SessionToken,
    ) -> Result<(), RedisClientError> {
        let key = key_for(cache, &token.0);
        let mut redis = cache.connection().await?;
        let _: () = redis.del(&key).await?;
        Ok(())
    }
}

fn key_for(cache: &RedisClient, token: &str) -> String {
    let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
    cache.key(&format!("session:{digest}"))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
