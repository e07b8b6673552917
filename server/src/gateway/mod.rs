//! The OpenAI-compatible gateway: `POST /v1/chat/completions`, `POST /v1/embeddings`
//! and `GET /v1/models`,
//! routed by the engine's router (aliases or real model names, with fallbacks), metered
//! per key and team, and refused before any provider is called when a key's monthly
//! budget is spent. The request path holds no database round trip when warm: keys,
//! a team's providers and a key's spending are kept in memory for a few seconds.

pub mod anthropic_wire;
pub mod cache;
mod call;
mod embeddings;
mod meter;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::spec::{MicroUsd, TaskType};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

pub use cache::{CacheUse, Cached, ResponseCache};
pub use call::{Client, Prepared, Refusal};
pub use embeddings::{Embedded, EmbeddingRequest, PreparedEmbedding};
pub use meter::{Call, Meter};

use crate::engine::Engine;
use crate::engine::catalog::{Catalog, EMBEDDING_MODELS, Model};
use crate::engine::providers::ProviderSet;
use crate::redis_client::RedisClient;
use app::billing::PlanTier;

/// How long a team's provider set (with its own keys, decrypted) is reused.
const PROVIDERS_FRESH_FOR: Duration = Duration::from_secs(30);

/// What a caller's `model` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An alias: the router picks the cheapest capable model for this kind of task.
    Task(TaskType),
    /// A model of the catalog, asked first; the router's picks follow as fallbacks.
    Model(Arc<Model>),
}

/// The aliases and the task each routes as.
pub const ALIASES: [(&str, TaskType, &str); 3] = [
    (
        "auto",
        TaskType::Research,
        "the cheapest model fit for general work",
    ),
    (
        "cheap",
        TaskType::Simple,
        "the cheapest model that can answer at all",
    ),
    (
        "smart",
        TaskType::ComplexReasoning,
        "the cheapest model fit for complex reasoning",
    ),
];

/// An alias, or a model of the catalogue by its name or `provider/name` (of the
/// providers that have it, one `usable` if any is).
pub fn resolve(catalog: &Catalog, model: &str, usable: impl Fn(&Model) -> bool) -> Option<Target> {
    if let Some((_, task, _)) = ALIASES.iter().find(|(alias, _, _)| *alias == model) {
        return Some(Target::Task(*task));
    }
    catalog.named(model, usable).map(Target::Model)
}

/// One entry of `GET /v1/models`: OpenAI's fields, and beside them what the catalogue
/// knows (context window, prices in integer micro-dollars per million tokens, `null`
/// when unpriced; abilities). Clients ignore fields they do not know.
pub struct ListedModel {
    pub id: String,
    pub owned_by: &'static str,
    pub info: Value,
}

pub struct Gateway {
    pub engine: Arc<Engine>,
    pub meter: Meter,
    pub cache: ResponseCache,
    db: PgPool,
    providers: Mutex<HashMap<Uuid, (Instant, Arc<ProviderSet>)>>,
}

impl Gateway {
    pub fn new(db: PgPool, engine: Arc<Engine>, redis: Arc<RedisClient>) -> Gateway {
        Gateway {
            meter: Meter::start(db.clone()),
            cache: ResponseCache::new(redis),
            engine,
            db,
            providers: Mutex::new(HashMap::new()),
        }
    }

    /// The providers the team can call (the operator's, with the team's own keys).
    pub async fn providers(&self, team_id: Uuid) -> Result<Arc<ProviderSet>, sqlx::Error> {
        if let Ok(cache) = self.providers.lock()
            && let Some((at, set)) = cache.get(&team_id)
            && at.elapsed() < PROVIDERS_FRESH_FOR
        {
            return Ok(set.clone());
        }
        let team = crate::runs::team_providers(&self.db, &self.engine, team_id).await?;
        let set = Arc::new(self.engine.providers_for(&team));
        if let Ok(mut cache) = self.providers.lock() {
            cache.insert(team_id, (Instant::now(), set.clone()));
        }
        Ok(set)
    }

    /// The models a team on this plan can be answered by (chat, then embedding models),
    /// then the aliases one of the chat models can take. A name two providers list is
    /// the first's; the other's id is `provider/name`.
    pub async fn models(
        &self,
        team_id: Uuid,
        plan: PlanTier,
    ) -> Result<Vec<ListedModel>, sqlx::Error> {
        let providers = self.providers(team_id).await?;
        let servable = |provider: &str, min_plan: PlanTier| {
            min_plan <= plan && self.is_set_up(&providers, provider)
        };
        let catalog = self.engine.router.catalog.all();
        let chat: Vec<&Arc<Model>> = catalog
            .iter()
            .filter(|m| servable(m.provider, m.min_plan))
            .collect();
        let mut listed: Vec<ListedModel> = Vec::new();
        for model in &chat {
            let id = if listed.iter().any(|m| m.id == model.name) {
                format!("{}/{}", model.provider, model.name)
            } else {
                model.name.to_string()
            };
            let price = model.price.map(|p| {
                json!({"input_micro_usd_per_mtok": p.input_per_mtok, "output_micro_usd_per_mtok": p.output_per_mtok})
            });
            let abilities = model.abilities;
            listed.push(ListedModel {
                id,
                owned_by: model.provider,
                info: json!({
                    "context_window": model.context_window,
                    "max_output_tokens": model.max_output_tokens,
                    "pricing": price,
                    "capabilities": {"tools": abilities.tools, "vision": abilities.vision, "json": abilities.json},
                }),
            });
        }
        let embedding = EMBEDDING_MODELS
            .iter()
            .filter(|m| servable(m.provider, m.min_plan))
            .map(|m| ListedModel {
                id: m.name.to_string(),
                owned_by: m.provider,
                info: json!({"dimensions": m.dimensions, "pricing": {"input_micro_usd_per_mtok": m.input_per_mtok}}),
            });
        let aliases = ALIASES
            .iter()
            .filter(|(_, task, _)| chat.iter().any(|m| m.can(*task)))
            .map(|(alias, _, routes)| ListedModel {
                id: alias.to_string(),
                owned_by: "agent-factory",
                info: json!({"routes_to": routes}),
            });
        listed.extend(embedding.chain(aliases));
        Ok(listed)
    }

    /// Whether a provider is set up for the team: configured, and called with a key (the
    /// operator's or the team's) or in the routing order — not a local server merely
    /// assumed at its default address.
    fn is_set_up(&self, providers: &ProviderSet, provider: &str) -> bool {
        providers.get(provider).is_some()
            && (providers.is_keyed(provider) || providers.chain().iter().any(|p| p == provider))
    }

    /// What the client's key may still spend this month; `None` without a budget.
    pub async fn budget_left(&self, client: &Client) -> Result<Option<MicroUsd>, sqlx::Error> {
        let (Some(key_id), Some(budget)) = (client.api_key_id, client.monthly_budget_micro_usd)
        else {
            return Ok(None);
        };
        let spent = self.meter.spent(client.team_id, key_id).await?;
        Ok(Some(MicroUsd((budget - spent).max(0))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_model_names_resolve() {
        let catalog = Catalog::default();
        let resolve = |model: &str| resolve(&catalog, model, |_| true);
        assert_eq!(resolve("cheap"), Some(Target::Task(TaskType::Simple)));
        assert!(matches!(resolve("demo-pro"), Some(Target::Model(m)) if m.provider == "demo"));
        assert!(matches!(resolve("openai/gpt-4.1"), Some(Target::Model(m)) if m.name == "gpt-4.1"));
        assert_eq!(resolve("gpt-9-imaginary"), None);
    }
}
