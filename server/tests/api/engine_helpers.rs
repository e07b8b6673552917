//! Running specs through the real engine against the fake provider, with the trace
//! kept in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::billing::PlanTier;
use app::runs::{RunEvent, StepKind, StepRecord};
use app::spec::parse_spec;
use async_trait::async_trait;
use fake_llm::{FakeLlm, Options};
use serde_json::{Map, Value};
use server::config::Config;
use server::engine::{CancelFlag, Engine, RecordError, Recorder, Resume, RunContext, RunFailure};

#[derive(Default)]
pub struct Memory {
    pub steps: Mutex<Vec<StepRecord>>,
    pub events: Mutex<Vec<RunEvent>>,
}

#[async_trait]
impl Recorder for Memory {
    async fn step(&self, step: &StepRecord) -> Result<(), RecordError> {
        self.steps.lock().unwrap().push(step.clone());
        Ok(())
    }

    fn event(&self, event: RunEvent) {
        self.events.lock().unwrap().push(event);
    }
}

impl Memory {
    pub fn steps_of(&self, kind: StepKind) -> Vec<StepRecord> {
        self.steps
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.kind == kind)
            .cloned()
            .collect()
    }

    /// The streamed text, with discarded attempts removed as a client would.
    pub fn streamed_text(&self) -> String {
        let mut text = String::new();
        for event in self.events.lock().unwrap().iter() {
            match event {
                RunEvent::Token {
                    text: t,
                    node: None,
                } => text.push_str(t),
                RunEvent::TextReset { node: None } => text.clear(),
                _ => {}
            }
        }
        text
    }
}

pub struct Outcome {
    pub result: Result<Value, RunFailure>,
    pub memory: Arc<Memory>,
    pub spent: i64,
}

/// An engine whose providers are the given fakes: `openai` and/or `anthropic`, in
/// that order.
pub fn engine(
    openai: Option<&FakeLlm>,
    anthropic: Option<&FakeLlm>,
    extra: &[(&str, &str)],
) -> Engine {
    let mut vars = provider_vars(openai, anthropic);
    vars.insert("OLLAMA_BASE_URL".into(), String::new());
    for (name, value) in extra {
        vars.insert((*name).into(), (*value).into());
    }
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("config");
    Engine::new(config.engine).expect("engine")
}

/// As a newcomer configures it: a key (and here the fake's URL) and nothing else — no
/// `ROUTER_CHAIN`, the local server left at its default address, where nothing listens.
pub fn engine_as_configured(openai: Option<&FakeLlm>, anthropic: Option<&FakeLlm>) -> Engine {
    let mut vars = provider_vars(openai, anthropic);
    vars.remove("ROUTER_CHAIN");
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("config");
    Engine::new(config.engine).expect("engine")
}

fn provider_vars(openai: Option<&FakeLlm>, anthropic: Option<&FakeLlm>) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> =
        HashMap::from([("ROUTER_BACKOFF_MS".into(), "10".into())]);
    let mut chain = Vec::new();
    if let Some(fake) = openai {
        vars.insert("OPENAI_BASE_URL".into(), format!("{}/v1", fake.base_url()));
        vars.insert("OPENAI_API_KEY".into(), "sk-test-openai".into());
        chain.push("openai");
    }
    if let Some(fake) = anthropic {
        vars.insert("ANTHROPIC_BASE_URL".into(), fake.base_url());
        vars.insert("ANTHROPIC_API_KEY".into(), "sk-test-anthropic".into());
        chain.push("anthropic");
    }
    vars.insert("ROUTER_CHAIN".into(), chain.join(","));
    vars
}

pub async fn fake() -> FakeLlm {
    FakeLlm::start(
        "127.0.0.1:0",
        Options {
            required_key: None,
            token_delay: std::time::Duration::ZERO,
            ..Default::default()
        },
    )
    .await
    .expect("fake llm")
}

pub async fn run(engine: &Engine, yaml: &str, inputs: &[(&str, Value)]) -> Outcome {
    run_with_secrets(engine, yaml, inputs, HashMap::new()).await
}

/// A run whose team holds these named secrets (for custom tools' headers).
pub async fn run_with_secrets(
    engine: &Engine,
    yaml: &str,
    inputs: &[(&str, Value)],
    secrets: HashMap<String, String>,
) -> Outcome {
    let spec = parse_spec(yaml).expect("spec");
    let memory = Arc::new(Memory::default());
    let ctx: RunContext = engine.context(
        &spec,
        PlanTier::Free,
        &server::engine::providers::TeamProviders::default(),
        secrets,
        memory.clone(),
        CancelFlag::default(),
    );
    let given: Map<String, Value> = inputs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    let inputs = server::engine::check_inputs(&spec, &given).expect("inputs");
    let result = engine
        .execute(&ctx, &spec, &inputs, None, Resume::default())
        .await;
    Outcome {
        result,
        memory,
        spent: ctx.spent().0,
    }
}
