//! API keys: `agf_` and 256 random bits, stored only as SHA-256; looked up by hash
//! through a definer function (the caller has no team yet), then used as the key's
//! creator with the role its scopes allow.

use app::api_keys::{ApiKeyRow, NewApiKey, Scope};
use app::auth::Role;
use app::backend::{Actor, ApiKeys};
use app::error::AppError;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::accounts::store::{AuditEntry, audit};
use crate::crypto::{random_token, sha256};
use crate::db::tenant;
use crate::errors::internal;

const KEY_PREFIX: &str = "agf_";
/// How much of a key is kept in clear to recognise it: `agf_` and 8 characters.
const SHOWN_CHARS: usize = 12;

pub struct ApiKeysService {
    db: PgPool,
}

/// Who is calling with a valid key.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub key_id: Uuid,
    pub actor: Actor,
    pub scopes: Vec<Scope>,
}

impl ApiKeysService {
    pub fn new(db: PgPool) -> Self {
        ApiKeysService { db }
    }

    /// The caller behind a bearer key, or `None` for unknown, malformed, revoked and
    /// expired keys alike (the API answers them all with the same 401).
    pub async fn authenticate(&self, key: &str) -> Result<Option<KeyCaller>, AppError> {
        if !looks_like_key(key) {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT k.id, k.team_id, k.scopes, k.created_by FROM api_key_by_hash($1) k
              WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())",
        )
        .bind(sha256(key))
        .fetch_optional(&self.db)
        .await
        .map_err(internal)?;
        let Some(row) = row else { return Ok(None) };
        let key_id: Uuid = row.try_get("id").map_err(internal)?;
        let team_id: Uuid = row.try_get("team_id").map_err(internal)?;
        // A key acts for the person who made it; without them it cannot act.
        let Some(user_id) = row
            .try_get::<Option<Uuid>, _>("created_by")
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let scopes: Vec<Scope> = row
            .try_get::<Vec<String>, _>("scopes")
            .map_err(internal)?
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect();
        let role = if scopes.contains(&Scope::Admin) {
            Role::Admin
        } else {
            Role::Member
        };
        let actor = Actor {
            user_id,
            team_id,
            role,
            ip: None,
        };
        self.touch(&actor, key_id).await?;
        Ok(Some(KeyCaller {
            key_id,
            actor,
            scopes,
        }))
    }

    /// Records the key's last use, at most once a minute (a write per request would
    /// cost more than the request).
    async fn touch(&self, actor: &Actor, key_id: Uuid) -> Result<(), AppError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        sqlx::query(
            "UPDATE api_keys SET last_used_at = now()
              WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        )
        .bind(key_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }
}

fn looks_like_key(key: &str) -> bool {
    key.len() == KEY_PREFIX.len() + 43
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn at_least_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.role >= Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The columns [`key_row`] reads, from `api_keys k LEFT JOIN users u`.
macro_rules! key_columns {
    () => {
        "k.id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.expires_at, k.revoked_at, coalesce(u.name, 'a former member') AS author"
    };
}

fn key_row(row: &PgRow) -> Result<ApiKeyRow, sqlx::Error> {
    let time = |column: &str| -> Result<Option<String>, sqlx::Error> {
        Ok(row
            .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(column)?
            .map(crate::display::time))
    };
    Ok(ApiKeyRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scopes: row
            .try_get::<Vec<String>, _>("scopes")?
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect(),
        created: crate::display::time(row.try_get("created_at")?),
        created_by: row.try_get("author")?,
        last_used: time("last_used_at")?,
        expires: time("expires_at")?,
        revoked: row
            .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>("revoked_at")?
            .is_some(),
    })
}

#[async_trait]
impl ApiKeys for ApiKeysService {
    async fn list(&self, actor: &Actor) -> Result<Vec<ApiKeyRow>, AppError> {
        at_least_admin(actor)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
              ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC LIMIT 200"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        rows.iter()
            .map(key_row)
            .collect::<Result<_, _>>()
            .map_err(internal)
    }

    async fn create(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[Scope],
        expires_in_days: Option<u32>,
    ) -> Result<NewApiKey, AppError> {
        at_least_admin(actor)?;
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("name", "Name the key (at most 100 characters)."));
        }
        if scopes.is_empty() {
            return Err(AppError::invalid("scopes", "Give the key at least one scope."));
        }
        let key = format!("{KEY_PREFIX}{}", random_token());
        let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO api_keys (team_id, name, prefix, key_hash, scopes, created_by, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))
             RETURNING id",
        )
        .bind(actor.team_id)
        .bind(name)
        .bind(&key[..SHOWN_CHARS])
        .bind(sha256(&key))
        .bind(&scope_names)
        .bind(actor.user_id)
        .bind(expires_in_days.map(|d| d as i32))
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        audit(
            &mut tx,
            AuditEntry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "api_key.created",
                target: Some(("api_key", id.to_string())),
                detail: serde_json::json!({ "name": name, "scopes": scope_names }),
                ip: actor.ip,
            },
        )
        .await
        .map_err(internal)?;
        let row = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys k LEFT JOIN users u ON u.id = k.created_by WHERE k.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(NewApiKey {
            key,
            row: key_row(&row).map_err(internal)?,
        })
    }

    async fn revoke(&self, actor: &Actor, key_id: Uuid) -> Result<(), AppError> {
        at_least_admin(actor)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let revoked = sqlx::query(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
        )
        .bind(key_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if revoked.rows_affected() == 0 {
            return Err(AppError::NotFound);
        }
        audit(
            &mut tx,
            AuditEntry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "api_key.revoked",
                target: Some(("api_key", key_id.to_string())),
                detail: serde_json::json!({}),
                ip: actor.ip,
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_are_looked_up() {
        let key = format!("{KEY_PREFIX}{}", random_token());
        assert!(looks_like_key(&key));
        assert!(!looks_like_key("agf_short"));
        assert!(!looks_like_key(&key.replace("agf_", "sk-_")));
        assert!(!looks_like_key(&format!("{}!", &key[..key.len() - 1])));
    }
}
