//! Settings → Providers (implements `app::backend::Providers`): the providers a team
//! can route to, and the team's own keys, sealed with AES-256-GCM before they are
//! stored. Base URLs are the operator's alone: a team can only bring a key.

use app::auth::Role;
use app::backend::{Actor, Providers};
use app::catalog;
use app::error::AppError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::providers::{
    EngineNotice, HealthState, ProviderHealth, ProviderRow, ProvidersOverview, SecretRow,
};
use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant;
use crate::engine::providers::ProviderError;
use crate::engine::{Engine, EngineSettings};
use crate::errors::ServerError;
use crate::secrets::{Keyring, Sealed, mask};
use crate::teams::rules::at_least;

/// Whether a team may hold a key for `id`: a hosted provider (the self-hosted and demo
/// models need none).
fn accepts_key(id: &str) -> bool {
    catalog::provider(id).is_some_and(|card| !card.self_hosted())
}

pub struct TeamKeysService {
    db: PgPool,
    engine: Arc<Engine>,
    settings: EngineSettings,
    /// Each team's last health check, answered again for a while.
    checked: Mutex<HashMap<Uuid, (Instant, Vec<ProviderHealth>)>>,
}

/// How long a team's health check is answered from memory (it calls every provider).
const CHECK_FRESH_FOR: Duration = Duration::from_secs(30);
/// The longest one provider may take to answer a health check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

impl TeamKeysService {
    pub fn new(db: PgPool, engine: Arc<Engine>) -> TeamKeysService {
        TeamKeysService {
            db,
            settings: engine.settings.clone(),
            engine,
            checked: Mutex::new(HashMap::new()),
        }
    }

    fn require_keyed(provider: &str) -> Result<(), AppError> {
        if accepts_key(provider) {
            Ok(())
        } else {
            Err(AppError::invalid(
                "provider",
                "Choose one of the listed providers.",
            ))
        }
    }
}

/// The sealed value and the last four characters shown to recognise it.
fn sealed(keys: &Keyring, actor: &Actor, value: &str) -> Result<(Sealed, String), ServerError> {
    let sealed = keys.seal_text(actor.team_id, value)?;
    let length = value.chars().count();
    Ok((
        sealed,
        value.chars().skip(length.saturating_sub(4)).collect(),
    ))
}

fn valid_secret_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The two tables of sealed values: provider keys by provider, secrets by name.
#[derive(Clone, Copy)]
enum Vault {
    ProviderKeys,
    Secrets,
}

impl Vault {
    fn upsert(self) -> &'static str {
        match self {
            Vault::ProviderKeys => {
                "INSERT INTO provider_keys (team_id, provider, ciphertext, nonce, last_four, created_by) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (team_id, provider) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, nonce = EXCLUDED.nonce,
                     last_four = EXCLUDED.last_four, created_by = EXCLUDED.created_by, created_at = now()"
            }
            Vault::Secrets => {
                "INSERT INTO team_secrets (team_id, name, ciphertext, nonce, last_four, created_by) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (team_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, nonce = EXCLUDED.nonce,
                     last_four = EXCLUDED.last_four, created_by = EXCLUDED.created_by, created_at = now()"
            }
        }
    }

    fn delete(self) -> &'static str {
        match self {
            Vault::ProviderKeys => "DELETE FROM provider_keys WHERE provider = $1",
            Vault::Secrets => "DELETE FROM team_secrets WHERE name = $1",
        }
    }

    /// The audit log's target type and action prefix.
    fn audit(self) -> (&'static str, &'static str) {
        match self {
            Vault::ProviderKeys => ("provider", "provider_key"),
            Vault::Secrets => ("secret", "secret"),
        }
    }
}

impl TeamKeysService {
    /// Seals and stores (or replaces) a value, with an audit entry naming it.
    async fn put(
        &self,
        actor: &Actor,
        vault: Vault,
        name: &str,
        value: &str,
    ) -> Result<(), ServerError> {
        let (sealed, last_four) = sealed(&self.settings.keyring, actor, value)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        sqlx::query(vault.upsert())
            .bind(actor.team_id)
            .bind(name)
            .bind(&sealed.ciphertext)
            .bind(&sealed.nonce)
            .bind(&last_four)
            .bind(actor.user_id)
            .execute(&mut *tx)
            .await?;
        let (target, action) = vault.audit();
        crate::audit::record_by(
            &mut tx,
            actor,
            &format!("{action}.saved"),
            (target, name.to_string()),
            serde_json::json!({ "last_four": last_four }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    async fn delete(&self, actor: &Actor, vault: Vault, name: &str) -> Result<(), ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let removed = sqlx::query(vault.delete())
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        let (target, action) = vault.audit();
        crate::audit::record_by(
            &mut tx,
            actor,
            &format!("{action}.removed"),
            (target, name.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok(tx.commit().await?)
    }
}

impl TeamKeysService {
    pub async fn overview(&self, actor: &Actor) -> Result<ProvidersOverview, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let keys: Vec<(String, String)> =
            sqlx::query_as("SELECT provider, last_four FROM provider_keys ORDER BY provider")
                .fetch_all(&mut *tx)
                .await?;
        let secrets: Vec<(String, String)> =
            sqlx::query_as("SELECT name, last_four FROM team_secrets ORDER BY name")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        let team_order = crate::team_routing::load(&self.db, actor.team_id).await?;
        let models = self.engine.router.catalog.all();
        let providers = self
            .listed()
            .into_iter()
            .map(|(id, name)| ProviderRow {
                id: id.to_string(),
                name: name.to_string(),
                operator_configured: self
                    .settings
                    .providers
                    .iter()
                    .any(|p| p.id == id && (p.api_key.is_some() || !p.needs_key)),
                team_key: keys
                    .iter()
                    .find(|(p, _)| p == id)
                    .map(|(_, last)| mask(last)),
                accepts_key: accepts_key(id),
                models: models
                    .iter()
                    .filter(|m| m.provider == id)
                    .map(|m| m.name.to_string())
                    .collect(),
            })
            .collect();
        Ok(ProvidersOverview {
            providers,
            team_order: team_order.is_some(),
            chain: team_order.unwrap_or_else(|| self.settings.chain.clone()),
            can_edit: actor.role >= Role::Admin,
            secrets: secrets
                .into_iter()
                .map(|(name, last)| SecretRow {
                    name,
                    masked: mask(&last),
                })
                .collect(),
        })
    }

    /// The providers the page lists, in order: the demo model (when there is one), the
    /// local server, then the providers a key unlocks.
    fn listed(&self) -> Vec<(&'static str, &'static str)> {
        let running = |id: &str| self.settings.providers.iter().any(|p| p.id == id);
        let mut listed: Vec<(&str, &str)> = Vec::new();
        if running(catalog::DEMO) {
            listed.push((catalog::DEMO, "Demo model"));
        }
        // The self-hosted servers the operator runs (Ollama is assumed at its default
        // address), then every hosted provider with a URL (Azure has none until the
        // operator gives it), which a team's key can unlock.
        let (own, hosted): (Vec<&catalog::ProviderCard>, Vec<_>) = catalog::PROVIDERS
            .iter()
            .filter(|card| running(card.id))
            .partition(|card| card.self_hosted());
        listed.extend(
            own.into_iter()
                .chain(hosted)
                .map(|card| (card.id, card.label)),
        );
        listed
    }

    /// Asks every listed provider for its models, with the team's keys, side by side:
    /// whether it answers, how fast, and what it offers. Costs nothing at any provider.
    pub async fn check(&self, actor: &Actor) -> Result<Vec<ProviderHealth>, ServerError> {
        if let Ok(checked) = self.checked.lock()
            && let Some((at, health)) = checked.get(&actor.team_id)
            && at.elapsed() < CHECK_FRESH_FOR
        {
            return Ok(health.clone());
        }
        let team = crate::runs::team_providers(&self.db, &self.engine, actor.team_id).await?;
        let set = self.engine.providers_for(&team);
        let checks = self.listed().into_iter().map(|(id, _)| {
            let provider = set.get(id).cloned();
            async move {
                let Some(provider) = provider else {
                    return ProviderHealth {
                        id: id.to_string(),
                        state: HealthState::NotConfigured,
                        latency_ms: None,
                        models: Vec::new(),
                    };
                };
                let started = Instant::now();
                let answer = tokio::time::timeout(CHECK_TIMEOUT, provider.models()).await;
                let latency_ms = u32::try_from(started.elapsed().as_millis()).ok();
                let (state, models) = match answer {
                    Ok(Ok(offered)) => (
                        HealthState::Reachable,
                        offered.into_iter().map(|model| model.id).collect(),
                    ),
                    Ok(Err(ProviderError::Unauthorized { .. })) => {
                        (HealthState::KeyRefused, Vec::new())
                    }
                    Ok(Err(_)) | Err(_) => (HealthState::Unreachable, Vec::new()),
                };
                ProviderHealth {
                    id: id.to_string(),
                    state,
                    latency_ms: (state != HealthState::Unreachable)
                        .then_some(latency_ms)
                        .flatten(),
                    models,
                }
            }
        });
        let health = futures::future::join_all(checks).await;
        if let Ok(mut checked) = self.checked.lock() {
            checked.insert(actor.team_id, (Instant::now(), health.clone()));
        }
        Ok(health)
    }

    pub async fn save_key(
        &self,
        actor: &Actor,
        provider: &str,
        key: &str,
    ) -> Result<(), ServerError> {
        at_least(actor.role, Role::Admin)?;
        Self::require_keyed(provider)?;
        let length = key.chars().count();
        if !(8..=400).contains(&length) || key.chars().any(char::is_whitespace) {
            return Err(AppError::invalid(
                "key",
                "Paste the whole API key (8–400 characters, no spaces).",
            )
            .into());
        }
        if let Some(card) = app::catalog::provider(provider)
            && !card.key_is_well_formed(key)
        {
            return Err(AppError::invalid(
                "key",
                format!("Write the {} key as {}.", card.label, card.key_format),
            )
            .into());
        }
        self.put(actor, Vault::ProviderKeys, provider, key).await?;
        self.forget_check(actor);
        Ok(())
    }

    /// A changed key makes the team's last health check stale.
    fn forget_check(&self, actor: &Actor) {
        if let Ok(mut checked) = self.checked.lock() {
            checked.remove(&actor.team_id);
        }
    }

    pub async fn remove_key(&self, actor: &Actor, provider: &str) -> Result<(), ServerError> {
        at_least(actor.role, Role::Admin)?;
        Self::require_keyed(provider)?;
        self.delete(actor, Vault::ProviderKeys, provider).await?;
        self.forget_check(actor);
        Ok(())
    }

    pub async fn save_secret(
        &self,
        actor: &Actor,
        name: &str,
        value: &str,
    ) -> Result<(), ServerError> {
        at_least(actor.role, Role::Admin)?;
        if !valid_secret_name(name) {
            return Err(AppError::invalid(
                "name",
                "Secret names are upper-case letters, digits and _ (e.g. CRM_TOKEN).",
            )
            .into());
        }
        if value.is_empty() || value.chars().count() > 4_000 {
            return Err(AppError::invalid(
                "value",
                "Enter the secret's value (at most 4,000 characters).",
            )
            .into());
        }
        self.put(actor, Vault::Secrets, name, value).await
    }

    pub async fn remove_secret(&self, actor: &Actor, name: &str) -> Result<(), ServerError> {
        at_least(actor.role, Role::Admin)?;
        self.delete(actor, Vault::Secrets, name).await
    }
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Providers for TeamKeysService {
    fn notice(&self) -> EngineNotice {
        EngineNotice {
            demo_model: self.settings.demo_mode,
        }
    }

    async fn overview(&self, actor: &Actor) -> Result<ProvidersOverview, AppError> {
        Ok(TeamKeysService::overview(self, actor).await?)
    }

    async fn check(&self, actor: &Actor) -> Result<Vec<ProviderHealth>, AppError> {
        Ok(TeamKeysService::check(self, actor).await?)
    }

    async fn save_key(&self, actor: &Actor, provider: &str, key: &str) -> Result<(), AppError> {
        Ok(TeamKeysService::save_key(self, actor, provider, key).await?)
    }

    async fn remove_key(&self, actor: &Actor, provider: &str) -> Result<(), AppError> {
        Ok(TeamKeysService::remove_key(self, actor, provider).await?)
    }

    async fn set_routing_order(&self, actor: &Actor, order: &[String]) -> Result<(), AppError> {
        Ok(crate::team_routing::save(&self.db, actor, order).await?)
    }

    async fn save_secret(&self, actor: &Actor, name: &str, value: &str) -> Result<(), AppError> {
        Ok(TeamKeysService::save_secret(self, actor, name, value).await?)
    }

    async fn remove_secret(&self, actor: &Actor, name: &str) -> Result<(), AppError> {
        Ok(TeamKeysService::remove_secret(self, actor, name).await?)
    }
}
