//! Choosing candidates: the cheapest capable, affordable model of each provider in the
//! chain, in chain order, with every skip written down for the trace.

use app::spec::{MicroUsd, TaskType};
use serde_json::{Value, json};

use super::circuit::{CircuitState, Circuits};
use crate::engine::catalog::{MODELS, Model};
use crate::engine::providers::{ProviderSet, WireFormat};
use app::billing::PlanTier;

/// The smallest answer worth paying for; below this a call is refused as over budget.
pub const MIN_OUTPUT_TOKENS: u32 = 256;

#[derive(Debug, Clone)]
pub struct Candidate {
    pub model: &'static Model,
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
}

pub fn select(needs: &Needs<'_>, providers: &ProviderSet, circuits: &Circuits) -> Selection {
    let mut candidates = Vec::new();
    let mut skipped = Vec::new();
    let mut skip = |provider: &str, reason: String| {
        skipped.push(json!({"provider": provider, "reason": reason}))
    };
    for provider in needs.chain {
        let Some(configured) = providers.get(provider) else {
            skip(provider, "not configured".into());
            continue;
        };
        if needs
            .format
            .is_some_and(|format| configured.format() != format)
        {
            skip(provider, "the request needs another wire format".into());
            continue;
        }
        if circuits.state(provider) == CircuitState::Open {
            skip(provider, "circuit open after repeated failures".into());
            continue;
        }
        let mut capable: Vec<&'static Model> = MODELS
            .iter()
            .filter(|m| m.provider == provider && m.can(needs.task))
            .collect();
        if capable.is_empty() {
            skip(
                provider,
                format!("no model for {} tasks", needs.task.as_str()),
            );
            continue;
        }
        capable.sort_by_key(|m| m.input_per_mtok + m.output_per_mtok);
        let Some(model) = capable.iter().find(|m| m.min_plan <= needs.plan) else {
            skip(provider, "its capable models need a higher plan".into());
            continue;
        };
        let mut max_tokens = needs.max_tokens.min(model.max_output_tokens);
        if let Some(budget) = needs.budget_left {
            let affordable = model.affordable_output(needs.prompt_bytes, budget);
            if affordable < MIN_OUTPUT_TOKENS.min(max_tokens) {
                skip(
                    provider,
                    format!(
                        "{} would exceed the {budget} left in the run's budget",
                        model.name
                    ),
                );
                continue;
            }
            max_tokens = max_tokens.min(affordable);
        }
        candidates.push(Candidate { model, max_tokens });
    }
    Selection {
        candidates,
        skipped,
    }
}
