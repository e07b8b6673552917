//! The agent engine: providers, the router, tools, the agent loop with its invariants,
//! and workflows. It knows nothing of HTTP or the database: runs report through a
//! [`Recorder`], so the same engine serves the worker, the CLI and the benchmarks.

pub mod agent_loop;
pub mod catalog;
mod context;
mod deployment_settings;
pub mod deployment_sharing;
pub mod discovery;
pub mod invariants;
pub mod memory;
pub mod providers;
pub mod router;
mod settings;
pub mod spans;
pub mod tools;
pub mod workflow;

use std::collections::HashMap;
use std::sync::Arc;

use app::spec::{MicroUsd, Spec, SpecBody};
use serde_json::{Map, Value};

pub use agent_loop::RunFailure;
pub use context::{CancelFlag, RecordError, Recorder, RunContext};
pub use settings::EngineSettings;

use agent_loop::{AgentCall, run_agent};
use app::billing::PlanTier;
use catalog::Catalog;
use providers::{Message, ProviderSet, TeamProviders};
use router::Router;
use tools::Toolbox;
use workflow::{NodeResult, render_instructions, run_workflow};

use crate::ssrf::{GuardedHttp, OutboundPolicy};

/// Built once at start-up and shared by every run in the process.
pub struct Engine {
    pub settings: EngineSettings,
    pub router: Arc<Router>,
    client: reqwest::Client,
    http: GuardedHttp,
}

/// What an earlier attempt at the same run left behind.
#[derive(Default)]
pub struct Resume {
    pub next_seq: i32,
    pub spent: MicroUsd,
    pub llm_calls: u32,
    pub tokens: u64,
    /// Agent runs: the conversation so far.
    pub history: Vec<Message>,
    /// Workflow runs: the nodes already finished.
    pub finished: HashMap<String, NodeResult>,
}

/// A turn of a conversation: what the model sees before the person's new message.
#[derive(Debug, Clone, Default)]
pub struct Chat {
    /// The model's own summary of the turns before `earlier` (none while all fit).
    pub summary: Option<String>,
    /// The earlier turns kept as they were, oldest first.
    pub earlier: Vec<Message>,
    /// The person's new message: the prompt of this turn.
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

impl Engine {
    pub fn new(settings: EngineSettings) -> Result<Engine, EngineError> {
        let client = providers::shared_client(&settings.llm_limits)
            .map_err(|e| EngineError::Client(e.to_string()))?;
        let mut allow = settings.outbound_allowlist.clone();
        // The operator's search API is trusted even when it runs on a private address.
        if let Some(authority) = settings
            .search
            .as_ref()
            .and_then(|s| url::Url::parse(&s.url).ok())
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        {
            allow.push(authority);
        }
        let http = GuardedHttp::new(OutboundPolicy::new(&allow), settings.tool_limits)
            .map_err(|e| EngineError::Client(e.to_string()))?;
        let catalog = Arc::new(Catalog::new(settings.model_prices.clone()));
        // What an operator set up is known before any provider is asked.
        for config in &settings.providers {
            if let (Some(azure), Some(id)) = (
                &config.azure,
                app::catalog::provider(&config.id).map(|card| card.id),
            ) {
                let deployments: Vec<providers::Offered> = azure
                    .deployments
                    .iter()
                    .map(providers::Offered::named)
                    .collect();
                catalog.learn(id, &deployments);
            }
        }
        let router = Arc::new(Router::new(
            catalog,
            settings.retry,
            settings.circuit_failures,
            settings.circuit_cooldown,
        ));
        Ok(Engine {
            settings,
            router,
            client,
            http,
        })
    }

    /// The providers a team can call (the operator's, with the team's own keys), in the
    /// team's order.
    pub fn providers_for(&self, team: &TeamProviders) -> ProviderSet {
        ProviderSet::build(
            &self.settings.providers,
            team,
            &self.settings.chain,
            &self.client,
            self.settings.llm_limits,
        )
    }

    /// Each provider's deployments as this process counts them (for metrics).
    pub fn deployment_status(&self) -> Vec<(String, providers::DeploymentStatus)> {
        self.settings
            .providers
            .iter()
            .filter_map(|p| Some((p.id.as_str(), p.deployments.as_deref()?)))
            .flat_map(|(id, d)| d.status().into_iter().map(move |s| (id.to_string(), s)))
            .collect()
    }

    /// The working state of one run for a team (its plan, provider keys and secrets).
    pub fn context(
        &self,
        spec: &Spec,
        plan: PlanTier,
        team: &TeamProviders,
        secrets: HashMap<String, String>,
        recorder: Arc<dyn Recorder>,
        cancel: CancelFlag,
    ) -> RunContext {
        let providers = self.providers_for(team);
        let tools = Toolbox {
            http: self.http.clone(),
            search: self.settings.search.clone(),
            secrets,
            knowledge: None,
        };
        let rules = match &spec.body {
            SpecBody::Agent(agent) => &agent.invariants,
            SpecBody::Workflow(flow) => &flow.invariants,
        };
        let max_cost = match (rules.max_cost, spec.model.max_cost_per_run) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // An agent's own max_steps/max_tokens are enforced by the loop; run-wide ones
        // matter for workflows, whose nodes share them.
        let (max_steps, max_tokens) = match &spec.body {
            SpecBody::Agent(_) => (None, None),
            SpecBody::Workflow(flow) => (flow.invariants.max_steps, flow.invariants.max_tokens),
        };
        RunContext::new(
            plan,
            providers,
            self.router.clone(),
            tools,
            recorder,
            cancel,
            (max_cost, max_steps, max_tokens),
        )
    }

    /// Runs a spec to its answer (or failure). Inputs must already be checked. A turn of
    /// a conversation (`chat`, agents only) answers the person's message with the
    /// conversation before it in view.
    pub async fn execute(
        &self,
        ctx: &RunContext,
        spec: &Spec,
        inputs: &Map<String, Value>,
        chat: Option<Chat>,
        resume: Resume,
    ) -> Result<Value, RunFailure> {
        if resume.next_seq > 0 {
            ctx.resume_from(
                resume.next_seq,
                resume.spent,
                resume.llm_calls,
                resume.tokens,
            );
        }
        match &spec.body {
            SpecBody::Agent(agent) => {
                let mut system = render_instructions(&agent.instructions, inputs, &HashMap::new());
                let (earlier, prompt) = match chat {
                    Some(chat) => {
                        if let Some(summary) = &chat.summary {
                            system.push_str(&memory::summary_note(summary));
                        }
                        (chat.earlier, chat.message)
                    }
                    None => (Vec::new(), agent_prompt(inputs)),
                };
                let call = AgentCall {
                    node: None,
                    parent: None,
                    model: &spec.model,
                    body: agent,
                    system,
                    earlier,
                    prompt,
                    history: resume.history,
                };
                run_agent(ctx, call).await
            }
            SpecBody::Workflow(flow) => {
                run_workflow(ctx, spec, flow, inputs, resume.finished).await
            }
        }
    }
}

/// The user message of a single agent: its inputs, one per line.
fn agent_prompt(inputs: &Map<String, Value>) -> String {
    if inputs.is_empty() {
        return "Begin.".to_string();
    }
    inputs
        .iter()
        .map(|(name, value)| match value {
            Value::String(text) => format!("{name}: {text}"),
            other => format!("{name}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks run inputs against the spec: required present, types right, nothing unknown;
/// defaults filled in. Every problem is reported.
pub fn check_inputs(
    spec: &Spec,
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<String>> {
    let mut problems = Vec::new();
    let mut inputs = Map::new();
    for name in given.keys() {
        if !spec.inputs.iter().any(|i| &i.name == name) {
            problems.push(format!("unknown input `{name}`"));
        }
    }
    for input in &spec.inputs {
        match given
            .get(&input.name)
            .filter(|v| !v.is_null())
            .or(input.default.as_ref())
        {
            Some(value) if app::spec::input_accepts(input.kind, value) => {
                if value.as_str().is_some_and(|s| s.chars().count() > 100_000) {
                    problems.push(format!(
                        "`{}` is longer than 100,000 characters",
                        input.name
                    ));
                }
                inputs.insert(input.name.clone(), value.clone());
            }
            Some(_) => {
                problems.push(format!("`{}` must be a {:?}", input.name, input.kind).to_lowercase())
            }
            None if input.required => problems.push(format!("`{}` is required", input.name)),
            None => {}
        }
    }
    if problems.is_empty() {
        Ok(inputs)
    } else {
        Err(problems)
    }
}
