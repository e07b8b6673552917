//! Choosing candidates: the models a spec pins, in its order, or else the cheapest
//! capable, affordable model of each provider in the chain, in chain order; with every
//! skip written down for the trace.

use std::sync::Arc;

use app::catalog::ModelName;
use app::spec::{MicroUsd, TaskType};
use serde_json::{Value, json};

use super::circuit::{CircuitState, Circuits};
use crate::engine::catalog::{Catalog, Model};
use crate::engine::providers::{ProviderSet, WireFormat};
use app::billing::PlanTier;

/// The smallest answer worth paying for; below this a call is refused as over budget.
pub const MIN_OUTPUT_TOKENS: u32 = 256;

#[derive(Debug, Clone)]
pub struct Candidate {
    pub model: Arc<Model>,
    pub max_tokens: u32,
}

pub struct Selection {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Value>,
}

pub struct Needs<'a> {
    pub task: TaskType,
    pub plan: PlanTier,
    pub chain: &'a [String],
    pub prompt_bytes: u64,
    pub max_tokens: u32,
    /// What the run may still spend; `None` is unlimited.
    pub budget_left: Option<MicroUsd>,
    /// Only providers of this wire format (a request carries a parameter only it takes).
    pub format: Option<WireFormat>,
    /// The call offers tools: only models that call them.
    pub tools: bool,
    /// The call carries images: only models that read them.
    pub vision: bool,
    /// The models the spec pins, in order (`model.name`); empty: chosen by task.
    pub pinned: &'a [String],
}

pub fn select(
    needs: &Needs<'_>,
    providers: &ProviderSet,
    circuits: &Circuits,
    catalog: &Catalog,
) -> Selection {
    let mut selection = Selection {
        candidates: Vec::new(),
        skipped: Vec::new(),
    };
    if needs.pinned.is_empty() {
        by_task(needs, providers, circuits, catalog, &mut selection);
    } else {
        pinned(needs, providers, circuits, catalog, &mut selection);
    }
    selection
}

/// The cheapest capable model of each provider in the chain, among those the router
/// may pick by itself (see [`Model::chosen_by_task`]): a model only a provider's list
/// names, priced or not, is used when named.
fn by_task(
    needs: &Needs<'_>,
    providers: &ProviderSet,
    circuits: &Circuits,
    catalog: &Catalog,
    selection: &mut Selection,
) {
    let models = catalog.all();
    for provider in needs.chain {
        if let Err(reason) = reachable(provider, needs, providers, circuits) {
            selection.skip(provider, reason);
            continue;
        }
        let mut capable: Vec<&Arc<Model>> = models
            .iter()
            .filter(|m| m.provider == provider && m.can(needs.task) && m.chosen_by_task)
            .collect();
        if capable.is_empty() {
            let reason = format!("no model for {} tasks", needs.task.as_str());
            selection.skip(provider, reason);
            continue;
        }
        if needs.tools {
            capable.retain(|m| m.abilities.tools);
            if capable.is_empty() {
                selection.skip(provider, "none of its models call tools".into());
                continue;
            }
        }
        if needs.vision {
            capable.retain(|m| m.abilities.vision);
            if capable.is_empty() {
                selection.skip(provider, "none of its models read images".into());
                continue;
            }
        }
        capable.sort_by_key(|m| m.rate().input_per_mtok + m.rate().output_per_mtok);
        let Some(model) = capable.iter().find(|m| m.min_plan <= needs.plan) else {
            selection.skip(provider, "its capable models need a higher plan".into());
            continue;
        };
        if let Err(reason) = selection.offer(model, needs) {
            selection.skip(provider, reason);
        }
    }
}

/// The pinned models, in the spec's order; each must be known, set up and affordable.
fn pinned(
    needs: &Needs<'_>,
    providers: &ProviderSet,
    circuits: &Circuits,
    catalog: &Catalog,
    selection: &mut Selection,
) {
    for name in needs.pinned {
        let Some(model) = catalog.named(name, |m| providers.get(m.provider).is_some()) else {
            let provider = ModelName::parse(name).map_or("", |n| n.provider());
            selection.skip_model(provider, name, "no provider lists this model".into());
            continue;
        };
        let refused = reachable(model.provider, needs, providers, circuits)
            .err()
            .or_else(|| {
                (needs.tools && !model.abilities.tools).then(|| "it does not call tools".into())
            })
            .or_else(|| {
                (needs.vision && !model.abilities.vision).then(|| "it does not read images".into())
            })
            .or_else(|| (model.min_plan > needs.plan).then(|| "it needs a higher plan".into()));
        if let Some(reason) = refused.or_else(|| selection.offer(&model, needs).err()) {
            selection.skip_model(model.provider, name, reason);
        }
    }
}

/// Whether calls can go to `provider` at all.
fn reachable(
    provider: &str,
    needs: &Needs<'_>,
    providers: &ProviderSet,
    circuits: &Circuits,
) -> Result<(), String> {
    let Some(configured) = providers.get(provider) else {
        return Err("not configured".into());
    };
    if needs
        .format
        .is_some_and(|format| configured.format() != format)
    {
        return Err("the request needs another wire format".into());
    }
    if circuits.state(provider) == CircuitState::Open {
        return Err("circuit open after repeated failures".into());
    }
    Ok(())
}

impl Selection {
    fn skip(&mut self, provider: &str, reason: String) {
        self.skipped
            .push(json!({"provider": provider, "reason": reason}));
    }

    fn skip_model(&mut self, provider: &str, model: &str, reason: String) {
        self.skipped
            .push(json!({"provider": provider, "model": model, "reason": reason}));
    }

    /// Adds the model with the output allowance the budget leaves it.
    fn offer(&mut self, model: &Arc<Model>, needs: &Needs<'_>) -> Result<(), String> {
        let mut max_tokens = needs.max_tokens.min(model.max_output_tokens);
        if let Some(budget) = needs.budget_left {
            let affordable = model.affordable_output(needs.prompt_bytes, budget);
            if affordable < MIN_OUTPUT_TOKENS.min(max_tokens) {
                return Err(format!(
                    "{} would exceed the {budget} left in the run's budget",
                    model.name
                ));
            }
            max_tokens = max_tokens.min(affordable);
        }
        self.candidates.push(Candidate {
            model: Arc::clone(model),
            max_tokens,
        });
        Ok(())
    }
}
