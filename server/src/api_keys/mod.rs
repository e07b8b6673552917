//! API keys: `agf_` and 256 random bits, stored only as SHA-256; looked up by hash
//! through a definer function (the caller has no team yet), then used as the key's
//! creator with the role its scopes allow.

mod auth;

pub use auth::{KeyCaller, REMEMBER_FOR};

use app::api_keys::{ApiKeyRow, KeySettings, NewApiKey, Scope};
use app::auth::Role;
use app::backend::{Actor, ApiKeys};
use app::error::AppError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit;
use crate::crypto::{random_token, sha256};
use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;
use auth::{KEY_PREFIX, KeyMemory};

/// How much of a key is kept in clear to recognise it: `agf_` and 8 characters.
const SHOWN_CHARS: usize = 12;

pub struct ApiKeysService {
    db: PgPool,
    memory: KeyMemory,
}

impl ApiKeysService {
    pub fn new(db: PgPool) -> Self {
        ApiKeysService {
            db,
            memory: KeyMemory::default(),
        }
    }

    /// The caller behind a bearer key; see [`auth::authenticate`].
    pub async fn authenticate(&self, key: &str) -> Result<Option<KeyCaller>, ServerError> {
        auth::authenticate(&self.db, &self.memory, key).await
    }
}

/// The columns of a [`StoredKey`], from `api_keys k LEFT JOIN users u`.
macro_rules! key_columns {
    () => {
        "k.id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.expires_at, k.revoked_at, k.budget_micro_usd, k.cache_ttl_secs, coalesce(u.display_name, 'a former member') AS author"
    };
}

/// A key as stored (never its secret: only the hash is, and it is not read here).
#[derive(sqlx::FromRow)]
struct StoredKey {
    id: Uuid,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    budget_micro_usd: Option<i64>,
    cache_ttl_secs: Option<i32>,
    author: String,
}

impl From<StoredKey> for ApiKeyRow {
    fn from(key: StoredKey) -> ApiKeyRow {
        ApiKeyRow {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            scopes: key.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            created: crate::display::time(key.created_at),
            created_by: key.author,
            last_used: key.last_used_at.map(crate::display::time),
            expires: key.expires_at.map(crate::display::time),
            revoked: key.revoked_at.is_some(),
            monthly_budget_cents: key.budget_micro_usd.map(|micro| (micro / 10_000) as u64),
            cache_ttl_secs: key.cache_ttl_secs.and_then(|secs| u32::try_from(secs).ok()),
        }
    }
}

impl ApiKeysService {
    pub async fn list(&self, actor: &Actor) -> Result<Vec<ApiKeyRow>, ServerError> {
        at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let rows: Vec<StoredKey> = sqlx::query_as(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
              ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC LIMIT 200"
        ))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(ApiKeyRow::from).collect())
    }

    pub async fn create(
        &self,
        actor: &Actor,
        settings: &KeySettings,
    ) -> Result<NewApiKey, ServerError> {
        at_least(actor.role, Role::Admin)?;
        settings.check()?;
        let name = settings.name.trim();
        let key = format!("{KEY_PREFIX}{}", random_token());
        let mut scopes = settings.scopes.clone();
        scopes.sort();
        scopes.dedup();
        let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO api_keys (team_id, name, prefix, key_hash, scopes, created_by, expires_at, budget_micro_usd, cache_ttl_secs)
             VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7), $8, $9)
             RETURNING id",
        )
        .bind(actor.team_id)
        .bind(name)
        .bind(&key[..SHOWN_CHARS])
        .bind(sha256(&key))
        .bind(&scope_names)
        .bind(actor.user_id)
        .bind(settings.expires_in_days.map(|d| d as i32))
        .bind(settings.monthly_budget_cents.map(|cents| cents as i64 * 10_000))
        .bind(settings.cache_ttl_secs.and_then(|secs| i32::try_from(secs).ok()))
        .fetch_one(&mut *tx)
        .await
        ?;
        audit::record(
            &mut tx,
            audit::Entry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "api_key.created",
                target: Some(("api_key", id.to_string())),
                detail: serde_json::json!({ "name": name, "scopes": scope_names }),
                ip: actor.ip,
            },
        )
        .await?;
        let stored: StoredKey = sqlx::query_as(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys k LEFT JOIN users u ON u.id = k.created_by WHERE k.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewApiKey {
            key,
            row: stored.into(),
        })
    }

    pub async fn revoke(&self, actor: &Actor, key_id: Uuid) -> Result<(), ServerError> {
        at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let revoked = sqlx::query(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
        )
        .bind(key_id)
        .execute(&mut *tx)
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        self.memory.forget(key_id);
        audit::record(
            &mut tx,
            audit::Entry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "api_key.revoked",
                target: Some(("api_key", key_id.to_string())),
                detail: serde_json::json!({}),
                ip: actor.ip,
            },
        )
        .await?;
        Ok(tx.commit().await?)
    }
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl ApiKeys for ApiKeysService {
    async fn list(&self, actor: &Actor) -> Result<Vec<ApiKeyRow>, AppError> {
        Ok(ApiKeysService::list(self, actor).await?)
    }

    async fn create(&self, actor: &Actor, settings: &KeySettings) -> Result<NewApiKey, AppError> {
        Ok(ApiKeysService::create(self, actor, settings).await?)
    }

    async fn revoke(&self, actor: &Actor, key_id: Uuid) -> Result<(), AppError> {
        Ok(ApiKeysService::revoke(self, actor, key_id).await?)
    }
}
