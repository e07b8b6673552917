//! Engine benchmarks (run with `cargo bench -p server --features app/ssr --bench engine`):
//!
//! 1. Overhead per LLM call, excluding the provider's own latency: the whole agent loop
//!    (routing, streaming chunks out, step recording, invariant checks) against an
//!    in-memory provider that answers instantly.
//! 2. 1,000 concurrent streaming runs against the fake provider over real HTTP, each
//!    answer taking 1 s: wall time, memory, first-token latency, and that every run
//!    finished with its whole answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark prints its figures"
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::billing::PlanTier;
use app::runs::{RunEvent, StepRecord};
use app::spec::{SpecBody, parse_spec};
use async_trait::async_trait;
use fake_llm::{FakeLlm, Options};
use server::engine::agent_loop::{AgentCall, run_agent};
use server::engine::providers::{
    ChatRequest, Chunk, ChunkStream, Completion, FinishReason, LlmProvider, ProviderError,
    ProviderSet, Usage, WireFormat,
};
use server::engine::router::{RetryPolicy, Router};
use server::engine::tools::Toolbox;
use server::engine::{CancelFlag, Engine, RecordError, Recorder, Resume, RunContext};
use server::ssrf::{GuardedHttp, Limits, OutboundPolicy};

/// Answers every call at once with 50 streamed chunks.
struct Instant50;

#[async_trait]
impl LlmProvider for Instant50 {
    fn id(&self) -> &str {
        "openai"
    }

    fn format(&self) -> WireFormat {
        WireFormat::OpenAi
    }

    async fn stream(&self, _request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let mut chunks: Vec<Result<Chunk, ProviderError>> = (0..50)
            .map(|i| Ok(Chunk::Text(format!("word{i} "))))
            .collect();
        chunks.push(Ok(Chunk::Usage(Usage {
            prompt_tokens: 120,
            completion_tokens: 50,
        })));
        chunks.push(Ok(Chunk::Finish(FinishReason::Stop)));
        Ok(Box::pin(futures::stream::iter(chunks)))
    }

    async fn complete(&self, _request: &ChatRequest) -> Result<Completion, ProviderError> {
        Ok(Completion::empty())
    }

    async fn models(&self) -> Result<Vec<server::engine::providers::Offered>, ProviderError> {
        Ok(Vec::new())
    }
}

/// Keeps steps and counts events, as the database recorder would hand them on.
#[derive(Default)]
struct Counting {
    events: AtomicUsize,
    first_token: std::sync::Mutex<Option<Instant>>,
}

#[async_trait]
impl Recorder for Counting {
    async fn step(&self, _step: &StepRecord) -> Result<(), RecordError> {
        Ok(())
    }

    fn event(&self, event: RunEvent) {
        self.events.fetch_add(1, Ordering::Relaxed);
        if matches!(event, RunEvent::Token { .. }) {
            let mut first = self.first_token.lock().unwrap();
            first.get_or_insert_with(Instant::now);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn overhead() {
    let spec = parse_spec("name: Bench\ninstructions: Answer.\ninvariants:\n  - must_not_contain: [forbidden]\n  - max_steps: 4\n").unwrap();
    let SpecBody::Agent(agent) = &spec.body else {
        unreachable!()
    };
    let providers = ProviderSet::from_providers(vec![Arc::new(Instant50)]);
    let router = Arc::new(Router::new(
        Arc::default(),
        RetryPolicy::default(),
        5,
        Duration::from_secs(30),
    ));
    let tools = Toolbox {
        http: GuardedHttp::new(OutboundPolicy::new(&[]), Limits::default()).unwrap(),
        search: None,
        secrets: HashMap::new(),
        knowledge: None,
    };
    let mut samples = Vec::with_capacity(20_000);
    for i in 0..22_000 {
        let recorder = Arc::new(Counting::default());
        let ctx = RunContext::new(
            PlanTier::Free,
            providers.clone(),
            router.clone(),
            tools.clone(),
            recorder,
            CancelFlag::default(),
            (None, None, None),
        );
        let call = AgentCall {
            node: None,
            parent: None,
            model: &spec.model,
            body: agent,
            system: agent.instructions.clone(),
            earlier: Vec::new(),
            prompt: "question: how big is the market?".into(),
            history: Vec::new(),
        };
        let started = Instant::now();
        run_agent(&ctx, call).await.unwrap();
        if i >= 2_000 {
            samples.push(started.elapsed()); // the first 2,000 warm up
        }
    }
    samples.sort();
    println!(
        "engine overhead per LLM call (50 streamed chunks, routing, 2 recorded steps, invariants), n={}: p50 {:?}  p99 {:?}  max {:?}",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.last().unwrap()
    );
}

async fn concurrent_runs(count: usize) {
    let llm = FakeLlm::start(
        "127.0.0.1:0",
        Options {
            required_key: None,
            token_delay: Duration::ZERO,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let vars: HashMap<String, String> = HashMap::from([
        (
            "OPENAI_BASE_URL".to_string(),
            format!("{}/v1", llm.base_url()),
        ),
        ("OPENAI_API_KEY".to_string(), "sk-bench".to_string()),
        ("ROUTER_CHAIN".to_string(), "openai".to_string()),
        ("OLLAMA_BASE_URL".to_string(), String::new()),
    ]);
    let config = server::config::Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let engine = Arc::new(Engine::new(config.engine).unwrap());
    // The fake waits 1 s before answering every call.
    let spec = Arc::new(
        parse_spec(
            "name: Slow\ninputs:\n  n: {type: integer}\ninstructions: 'Answer. [fake:slow=1000]'\n",
        )
        .unwrap(),
    );
    let rss_before = rss_kib("VmRSS:");
    let started = Instant::now();
    let tasks: Vec<_> = (0..count)
        .map(|n| {
            let (engine, spec) = (engine.clone(), spec.clone());
            tokio::spawn(async move {
                let recorder = Arc::new(Counting::default());
                let ctx = engine.context(
                    &spec,
                    PlanTier::Free,
                    &server::engine::providers::TeamProviders::default(),
                    HashMap::new(),
                    recorder.clone(),
                    CancelFlag::default(),
                );
                let inputs = serde_json::json!({"n": n}).as_object().unwrap().clone();
                let begun = Instant::now();
                let output = engine
                    .execute(&ctx, &spec, &inputs, None, Resume::default())
                    .await;
                let first = recorder.first_token.lock().unwrap().map(|t| t - begun);
                (
                    output.is_ok()
                        && output
                            .unwrap()
                            .as_str()
                            .is_some_and(|s| s.contains(&format!("n: {n}"))),
                    first,
                    recorder.events.load(Ordering::Relaxed),
                )
            })
        })
        .collect();
    let mut ok = 0;
    let mut firsts = Vec::new();
    let mut events = 0;
    for task in tasks {
        let (success, first, n) = task.await.unwrap();
        ok += usize::from(success);
        firsts.extend(first);
        events += n;
    }
    let wall = started.elapsed();
    firsts.sort();
    let calls = llm.requests().len();
    println!(
        "{count} concurrent streaming runs, provider latency 1 s: {ok}/{count} succeeded with their whole answer in {wall:?}; \
         {calls} provider calls; first token p50 {:?} p99 {:?}; {events} events; RSS {} MiB → {} MiB (peak {} MiB)",
        percentile(&firsts, 0.5),
        percentile(&firsts, 0.99),
        rss_before / 1024,
        rss_kib("VmRSS:") / 1024,
        rss_kib("VmHWM:") / 1024,
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        overhead().await;
        concurrent_runs(1_000).await;
    });
}
