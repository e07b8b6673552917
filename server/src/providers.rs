//! Settings → Providers (implements `app::backend::Providers`): the providers a team
//! can route to, and the team's own keys, sealed with AES-256-GCM before they are
//! stored. Base URLs are the operator's alone: a team can only bring a key.

use app::auth::Role;
use app::backend::{Actor, Providers};
use app::error::AppError;
use app::providers::{EngineNotice, ProviderRow, ProvidersOverview};
use async_trait::async_trait;
use sqlx::PgPool;

use crate::accounts::store;
use crate::db::tenant::{self, Tenant};
use crate::engine::EngineSettings;
use crate::engine::catalog::MODELS;
use crate::errors::internal;
use crate::secrets::{mask, seal};

/// Providers a team may hold a key for (the local and demo models need none).
const KEYED: [(&str, &str); 5] = [
    ("openai", "OpenAI"),
    ("anthropic", "Anthropic"),
    ("perplexity", "Perplexity"),
    ("groq", "Groq"),
    ("openrouter", "OpenRouter"),
];

pub struct ProvidersService {
    db: PgPool,
    settings: EngineSettings,
}

impl ProvidersService {
    pub fn new(db: PgPool, settings: EngineSettings) -> ProvidersService {
        ProvidersService { db, settings }
    }

    async fn begin(&self, actor: &Actor) -> Result<tenant::Tx, AppError> {
        tenant::begin(&self.db, Tenant::member(actor.user_id, actor.team_id))
            .await
            .map_err(internal)
    }

    fn require_keyed(provider: &str) -> Result<(), AppError> {
        if KEYED.iter().any(|(id, _)| *id == provider) {
            Ok(())
        } else {
            Err(AppError::invalid(
                "provider",
                "Choose one of the listed providers.",
            ))
        }
    }
}

fn at_least_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.role >= Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[async_trait]
impl Providers for ProvidersService {
    async fn overview(&self, actor: &Actor) -> Result<ProvidersOverview, AppError> {
        let mut tx = self.begin(actor).await?;
        let keys: Vec<(String, String)> =
            sqlx::query_as("SELECT provider, last_four FROM provider_keys ORDER BY provider")
                .fetch_all(&mut *tx)
                .await
                .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        let mut listed: Vec<(&str, &str)> = vec![("local", "Local (Ollama)")];
        if self.settings.providers.iter().any(|p| p.id == "demo") {
            listed.insert(0, ("demo", "Demo model"));
        }
        listed.extend(KEYED);
        let providers = listed
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
                models: MODELS
                    .iter()
                    .filter(|m| m.provider == id)
                    .map(|m| m.name.to_string())
                    .collect(),
            })
            .collect();
        Ok(ProvidersOverview {
            providers,
            chain: self.settings.chain.clone(),
            can_edit: actor.role >= Role::Admin,
        })
    }

    async fn save_key(&self, actor: &Actor, provider: &str, key: &str) -> Result<(), AppError> {
        at_least_admin(actor)?;
        Self::require_keyed(provider)?;
        let length = key.chars().count();
        if !(8..=400).contains(&length) || key.chars().any(char::is_whitespace) {
            return Err(AppError::invalid(
                "key",
                "Paste the whole API key (8–400 characters, no spaces).",
            ));
        }
        let sealed =
            seal(self.settings.secrets_key.expose(), actor.team_id, key).map_err(internal)?;
        let last_four: String = key.chars().skip(length - 4).collect();
        let mut tx = self.begin(actor).await?;
        sqlx::query(
            "INSERT INTO provider_keys (team_id, provider, ciphertext, nonce, last_four, created_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (team_id, provider) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, nonce = EXCLUDED.nonce,
                 last_four = EXCLUDED.last_four, created_by = EXCLUDED.created_by, created_at = now()",
        )
        .bind(actor.team_id)
        .bind(provider)
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .bind(&last_four)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        store::audit_by(
            &mut tx,
            actor,
            "provider_key.saved",
            ("provider", provider.to_string()),
            serde_json::json!({ "last_four": last_four }),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn remove_key(&self, actor: &Actor, provider: &str) -> Result<(), AppError> {
        at_least_admin(actor)?;
        Self::require_keyed(provider)?;
        let mut tx = self.begin(actor).await?;
        let removed = sqlx::query("DELETE FROM provider_keys WHERE provider = $1")
            .bind(provider)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        if removed.rows_affected() == 0 {
            return Err(AppError::NotFound);
        }
        store::audit_by(
            &mut tx,
            actor,
            "provider_key.removed",
            ("provider", provider.to_string()),
            serde_json::json!({}),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    fn notice(&self) -> EngineNotice {
        EngineNotice {
            demo_model: self.settings.demo_mode,
        }
    }
}
