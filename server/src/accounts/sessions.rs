//! Server-side sessions in Redis. The cookie holds a random token; Redis holds the
//! session under the token's SHA-256, so a leaked Redis dump yields no usable cookie.
//! Sessions expire after an idle period and, regardless of use, after an absolute one;
//! a per-user index lets a password change end every other session.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use app::backend::{NewSession, SessionToken};
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
}

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
    ) -> Result<NewSession, RedisClientError> {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let key = key_for(cache, &token);
        let session = Session {
            user_id,
            team_id,
            created_at: now_secs(),
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
        let Ok(session) = serde_json::from_str::<Session>(&value) else {
            return Ok(None);
        };
        if now_secs().saturating_sub(session.created_at) > self.absolute.as_secs() {
            let _: () = redis.del(&key).await?;
            return Ok(None);
        }
        let _: () = redis
            .expire(&key, i64::try_from(self.idle.as_secs()).unwrap_or(i64::MAX))
            .await?;
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
