//! One gateway call, from request to metered answer: what the caller may ask for (a
//! known model, one their plan allows, within their key's budget), routing with
//! fallbacks, and metering what it cost. The HTTP handler only turns a [`Refusal`]
//! into an error and the answer into OpenAI's wire format.

use std::borrow::Cow;
use std::sync::Arc;

use app::billing::PlanTier;
use app::spec::MicroUsd;
use uuid::Uuid;

use super::wire::{CompletionRequest, Parsed, Unfit};
use super::{Cached, Call, Gateway, Target, resolve};
use crate::engine::catalog::Catalog;
use crate::engine::providers::{ProviderSet, WireFormat};
use crate::engine::router::{Listener, Needs, RouteFailure, Routed};

/// Who is calling, as the key that authenticated them says.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub team_id: Uuid,
    pub api_key_id: Option<Uuid>,
    pub plan: PlanTier,
    pub monthly_budget_micro_usd: Option<i64>,
}

/// Why a call is refused before any provider is asked.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{message}")]
    Invalid {
        field: String,
        message: String,
        /// OpenAI's code for it (`invalid_value`, `unsupported_parameter`).
        code: &'static str,
    },
    #[error("No model `{0}`. GET /v1/models lists what you can use.")]
    UnknownModel(String),
    #[error("`{0}` needs a higher plan.")]
    NeedsPlan(String),
    #[error(
        "This key has spent its monthly gateway budget. Raise it in Settings → API keys, or wait for the 1st (UTC)."
    )]
    BudgetSpent,
    #[error("database")]
    Database(#[from] sqlx::Error),
}

impl From<Unfit> for Refusal {
    fn from(unfit: Unfit) -> Refusal {
        Refusal::Invalid {
            field: unfit.param,
            message: unfit.message,
            code: unfit.code,
        }
    }
}

/// Everything a call needs, owned, so a stream can carry on after the handler returns.
pub struct Prepared {
    gateway: Arc<Gateway>,
    client: Client,
    target: Target,
    pub request: Parsed,
    providers: Arc<ProviderSet>,
    /// What each of the request's answers may cost (the key's budget shared out).
    budget_left: Option<MicroUsd>,
}

impl Gateway {
    /// Checks a request against what the client may ask for and gathers what calling
    /// it needs: the model or alias, the plan, the key's budget, the team's providers.
    pub async fn prepare(
        self: &Arc<Self>,
        client: Client,
        request: &CompletionRequest,
    ) -> Result<Prepared, Refusal> {
        self.prepare_parsed(client, &request.model, request.parse()?)
            .await
    }

    /// [`Gateway::prepare`] for a request already in the provider-neutral shape (each
    /// dialect parses its own wire format).
    pub async fn prepare_parsed(
        self: &Arc<Self>,
        client: Client,
        model: &str,
        parsed: Parsed,
    ) -> Result<Prepared, Refusal> {
        let providers = self.providers(client.team_id).await?;
        let target = resolve(&self.engine.router.catalog, model, |m| {
            providers.get(m.provider).is_some()
        })
        .ok_or_else(|| Refusal::UnknownModel(model.to_string()))?;
        if let Target::Model(model) = &target {
            if model.min_plan > client.plan {
                return Err(Refusal::NeedsPlan(model.name.to_string()));
            }
            if !model.abilities.vision && parsed.chat.images().next().is_some() {
                return Err(Refusal::Invalid {
                    field: "messages".into(),
                    message: format!(
                        "{} does not read images; GET /v1/models shows which models do (capabilities.vision).",
                        model.name
                    ),
                    code: "unsupported_parameter",
                });
            }
        }
        let budget_left = self.budget_left(&client).await?;
        if budget_left == Some(MicroUsd::ZERO) {
            return Err(Refusal::BudgetSpent);
        }
        if let Some(param) = &parsed.needs_openai_format {
            refuse_untranslatable(param, &target, &self.engine.router.catalog, &providers)?;
        }
        Ok(Prepared {
            gateway: Arc::clone(self),
            client,
            target,
            budget_left: budget_left.map(|left| MicroUsd(left.0 / i64::from(parsed.choices))),
            request: parsed,
            providers,
        })
    }
}

/// A parameter we do not translate can go only to an OpenAI-format provider: the named
/// model's, or (for an alias) any configured one.
fn refuse_untranslatable(
    param: &str,
    target: &Target,
    catalog: &Catalog,
    providers: &ProviderSet,
) -> Result<(), Refusal> {
    let speaks_openai = |provider: &str| {
        providers
            .get(provider)
            .is_some_and(|p| p.format() == WireFormat::OpenAi)
    };
    let reachable = match target {
        Target::Model(model) => speaks_openai(model.provider),
        Target::Task(_) => catalog.all().iter().any(|m| speaks_openai(m.provider)),
    };
    if reachable {
        return Ok(());
    }
    Err(Refusal::Invalid {
        field: param.to_string(),
        message: format!(
            "`{param}` is not a parameter we translate, and {} cannot take it as it is.",
            match target {
                Target::Model(model) => model.name.as_ref(),
                Target::Task(_) => "no configured OpenAI-format provider",
            }
        ),
        code: "unsupported_parameter",
    })
}

impl Prepared {
    /// Routes the call (the named model first, or the alias's cheapest capable model),
    /// falling back as the router does; `progress`, if any, sees streamed text.
    pub async fn call(&self, progress: Listener<'_>) -> Result<Routed, RouteFailure> {
        let engine = &self.gateway.engine;
        let task = match &self.target {
            Target::Task(task) => *task,
            Target::Model(model) => model.tasks[0],
        };
        let needs = Needs {
            task,
            plan: self.client.plan,
            chain: self.providers.chain(),
            prompt_bytes: self.request.chat.prompt_bytes(),
            max_tokens: self.request.chat.max_tokens,
            budget_left: self.budget_left,
            format: self
                .request
                .needs_openai_format
                .as_ref()
                .map(|_| WireFormat::OpenAi),
            tools: !self.request.chat.tools.is_empty(),
            vision: self.request.chat.images().next().is_some(),
            pinned: &[],
        };
        match &self.target {
            Target::Task(_) => {
                engine
                    .router
                    .call(&self.providers, &needs, &self.request.chat, progress)
                    .await
            }
            Target::Model(model) => {
                engine
                    .router
                    .call_model(
                        &self.providers,
                        &needs,
                        Arc::clone(model),
                        &self.request.chat,
                        progress,
                    )
                    .await
            }
        }
    }

    /// The hints the answering provider had no use for (its format has no such fields).
    pub fn unused_hints(&self, routed: &Routed) -> &[String] {
        self.hints_unused_by(routed.model.provider)
    }

    /// The hints `provider` has no use for.
    pub fn hints_unused_by(&self, provider: &str) -> &[String] {
        let speaks_openai = self
            .providers
            .get(provider)
            .is_some_and(|p| p.format() == WireFormat::OpenAi);
        if speaks_openai {
            &[]
        } else {
            &self.request.hints
        }
    }

    /// Meters a call answered from the response cache: counted, charged nothing, with
    /// what the provider charged when the answer was first made as saved.
    pub fn record_cache_hit(&self, cached: &Cached) {
        let catalog = &self.gateway.engine.router.catalog;
        let model = catalog.named(&cached.model, |m| self.providers.get(m.provider).is_some());
        let (provider, model) = model
            .as_deref()
            .map_or(("", Cow::Borrowed("")), |m| (m.provider, m.name.clone()));
        self.gateway.meter.record(Call {
            team_id: self.client.team_id,
            api_key_id: self.client.api_key_id,
            provider,
            model,
            cache_hit: true,
            cost_saved_micro_usd: cached.cost_micro_usd,
            ..Call::default()
        });
    }

    /// Meters an answered call against the team and the key.
    pub fn record(&self, routed: &Routed) {
        self.gateway.meter.record(Call {
            team_id: self.client.team_id,
            api_key_id: self.client.api_key_id,
            provider: routed.model.provider,
            model: routed.model.name.clone(),
            prompt_tokens: routed.completion.usage.prompt_tokens as i64,
            completion_tokens: routed.completion.usage.completion_tokens as i64,
            cost_micro_usd: routed.cost.0,
            latency_ms: routed.latency.as_millis() as i64,
            ..Call::default()
        });
    }
}
