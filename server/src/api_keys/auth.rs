//! Authenticating a bearer key. Every API request and gateway call does this, so the
//! answer is kept in memory for a few seconds: the hot path is a hash and a map
//! look-up, not a database round trip. Revoking a key forgets it here at once; other
//! server instances stop accepting it within [`REMEMBER_FOR`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use app::api_keys::Scope;
use app::auth::Role;
use app::backend::Actor;
use sqlx::PgPool;
use uuid::Uuid;

use crate::crypto::sha256;
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use app::billing::PlanTier;

pub(super) const KEY_PREFIX: &str = "agf_";
/// How long a look-up is trusted before the database is asked again.
pub const REMEMBER_FOR: Duration = Duration::from_secs(10);
/// A bound on remembered keys, so a flood of distinct keys cannot grow memory.
const MAX_REMEMBERED: usize = 10_000;

/// Who is calling with a valid key.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub key_id: Uuid,
    pub actor: Actor,
    pub scopes: Vec<Scope>,
    pub plan: PlanTier,
    pub monthly_budget_micro_usd: Option<i64>,
    /// Its gateway requests use the response cache, answers kept this long.
    pub cache_ttl: Option<Duration>,
}

#[derive(Default)]
pub struct KeyMemory {
    entries: Mutex<HashMap<Vec<u8>, (Instant, KeyCaller)>>,
}

impl KeyMemory {
    fn recall(&self, hash: &[u8]) -> Option<KeyCaller> {
        let entries = self.entries.lock().ok()?;
        let (at, caller) = entries.get(hash)?;
        (at.elapsed() < REMEMBER_FOR).then(|| caller.clone())
    }

    fn remember(&self, hash: Vec<u8>, caller: KeyCaller) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_REMEMBERED {
                entries.retain(|_, (at, _)| at.elapsed() < REMEMBER_FOR);
                if entries.len() >= MAX_REMEMBERED {
                    entries.clear();
                }
            }
            entries.insert(hash, (Instant::now(), caller));
        }
    }

    /// Forgets a key (revoked, or its settings changed).
    pub fn forget(&self, key_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, caller)| caller.key_id != key_id);
        }
    }
}

/// The caller behind a bearer key, or `None` for unknown, malformed, revoked and expired
/// keys, and keys whose creator has left the team (the API answers all with one 401).
pub async fn authenticate(
    db: &PgPool,
    memory: &KeyMemory,
    key: &str,
) -> Result<Option<KeyCaller>, ServerError> {
    if !looks_like_key(key) {
        return Ok(None);
    }
    let hash = sha256(key);
    if let Some(caller) = memory.recall(&hash) {
        return Ok(Some(caller));
    }
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT k.id, k.team_id, k.scopes, k.created_by, k.creator_role::text AS creator_role,
                k.plan::text AS plan, k.budget_micro_usd, k.cache_ttl_secs
           FROM api_key_by_hash($1) k
          WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())",
    )
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(caller) = caller_from(row) else {
        return Ok(None);
    };
    touch(db.clone(), caller.actor.team_id, caller.key_id);
    memory.remember(hash, caller.clone());
    Ok(Some(caller))
}

/// A live key as `api_key_by_hash` finds it.
#[derive(sqlx::FromRow)]
struct KeyRow {
    id: Uuid,
    team_id: Uuid,
    scopes: Vec<String>,
    created_by: Option<Uuid>,
    creator_role: Option<String>,
    #[sqlx(try_from = "String")]
    plan: PlanTier,
    budget_micro_usd: Option<i64>,
    cache_ttl_secs: Option<i32>,
}

fn caller_from(row: KeyRow) -> Option<KeyCaller> {
    // A key acts for the member who made it; without them it cannot act.
    let user_id = row.created_by?;
    let creator_role = row.creator_role.as_deref().and_then(Role::parse)?;
    let scopes: Vec<Scope> = row.scopes.iter().filter_map(|s| Scope::parse(s)).collect();
    // Never more than the creator may do today, nor more than the scopes allow.
    let scope_role = if scopes.contains(&Scope::Admin) {
        Role::Admin
    } else {
        Role::Member
    };
    Some(KeyCaller {
        key_id: row.id,
        actor: Actor {
            user_id,
            team_id: row.team_id,
            role: scope_role.min(creator_role),
            ip: None,
            api_key_id: Some(row.id),
        },
        scopes,
        plan: row.plan,
        monthly_budget_micro_usd: row.budget_micro_usd,
        cache_ttl: row
            .cache_ttl_secs
            .and_then(|secs| u64::try_from(secs).ok())
            .map(Duration::from_secs),
    })
}

/// Records the key's last use in the background, at most once a minute (a write per
/// request would cost more than the request).
fn touch(db: PgPool, team_id: Uuid, key_id: Uuid) {
    tokio::spawn(async move {
        let result = async {
            let mut tx = tenant::begin(&db, Tenant::team(team_id)).await?;
            sqlx::query(
                "UPDATE api_keys SET last_used_at = now()
                  WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
            )
            .bind(key_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, key = %key_id, "could not record a key's last use");
        }
    });
}

pub(super) fn looks_like_key(key: &str) -> bool {
    key.len() == KEY_PREFIX.len() + 43
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random_token;

    #[test]
    fn only_well_formed_keys_are_looked_up() {
        let key = format!("{KEY_PREFIX}{}", random_token());
        assert!(looks_like_key(&key));
        assert!(!looks_like_key("agf_short"));
        assert!(!looks_like_key(&key.replace("agf_", "sk-_")));
        assert!(!looks_like_key(&format!("{}!", &key[..key.len() - 1])));
    }

    #[test]
    fn forgotten_keys_are_looked_up_again() {
        let memory = KeyMemory::default();
        let key_id = Uuid::new_v4();
        let caller = KeyCaller {
            key_id,
            actor: Actor {
                user_id: Uuid::new_v4(),
                team_id: Uuid::new_v4(),
                role: Role::Member,
                ip: None,
                api_key_id: Some(key_id),
            },
            scopes: vec![Scope::Read],
            plan: PlanTier::Free,
            monthly_budget_micro_usd: None,
            cache_ttl: None,
        };
        memory.remember(b"hash".to_vec(), caller);
        assert!(memory.recall(b"hash").is_some());
        memory.forget(key_id);
        assert!(memory.recall(b"hash").is_none());
    }
}
