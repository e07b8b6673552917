//! The router: picks the cheapest capable model within plan and budget, retries with
//! backoff on 429/5xx/timeouts (honouring retry-after), falls back along the provider
//! chain, keeps a circuit breaker per provider, and reports every decision.

mod backoff;
mod circuit;
mod select;

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use tracing::Instrument;

pub use backoff::RetryPolicy;
pub use circuit::{CircuitState, Circuits};
pub use select::{Candidate, MIN_OUTPUT_TOKENS, Needs};

use std::sync::Arc;

use super::catalog::{Catalog, Model};
use super::providers::{ChatRequest, Chunk, Completion, LlmProvider, ProviderError, ProviderSet};
use super::spans;
use app::spec::MicroUsd;

/// What the router tells the caller while a call streams.
pub enum Progress<'a> {
    /// An attempt begins with this provider.
    Attempt {
        provider: &'static str,
    },
    Text(&'a str),
    /// The log probabilities of the text just given (when the request asked for them).
    Logprobs(&'a [Value]),
    /// The attempt that streamed text so far failed; its text is void.
    Reset,
}

/// Who is told of a call's progress: a caller that streams (`Some`) gets the text as it
/// comes, from a streamed provider call; one that waits for the whole answer (`None`)
/// has it asked for whole, which costs provider and gateway less than a stream.
pub type Listener<'a> = Option<&'a (dyn Fn(Progress<'_>) + Send + Sync)>;

pub struct Routed {
    pub completion: Completion,
    pub model: Arc<Model>,
    pub cost: MicroUsd,
    pub latency: Duration,
    /// Everything considered and tried, for the trace.
    pub decision: Decision,
}

#[derive(Debug)]
pub struct RouteFailure {
    /// `no_model` (nothing capable/affordable), `provider_refused` (each provider said
    /// the request itself is wrong) or `provider_failed`.
    pub reason: &'static str,
    pub detail: String,
    pub decision: Decision,
}

/// What the router considered and tried, kept as gathered and written out as JSON only
/// when a run records it (the gateway, thousands of calls a second, never does).
#[derive(Debug, Default)]
pub struct Decision {
    task: &'static str,
    chain: Vec<String>,
    budget_left: Option<i64>,
    candidates: Vec<Candidate>,
    skipped: Vec<Value>,
    attempts: Vec<Value>,
    chosen: Option<Arc<Model>>,
}

impl Decision {
    /// The providers and models passed over, each with its reason.
    pub fn skipped(&self) -> &[Value] {
        &self.skipped
    }

    pub fn to_json(&self) -> Value {
        json!({
            "task": self.task,
            "chain": self.chain,
            "budget_left": self.budget_left,
            "candidates": self.candidates.iter().map(|c| json!({"provider": c.model.provider, "model": c.model.name, "max_tokens": c.max_tokens})).collect::<Vec<_>>(),
            "skipped": self.skipped,
            "attempts": self.attempts,
            "chosen": self.chosen.as_ref().map(|m| json!({"provider": m.provider, "model": m.name, "unpriced": !m.is_priced()})),
        })
    }
}

pub struct Router {
    /// The models to choose from, learned as providers list theirs.
    pub catalog: Arc<Catalog>,
    pub retry: RetryPolicy,
    pub circuits: Circuits,
}

impl Router {
    pub fn new(
        catalog: Arc<Catalog>,
        retry: RetryPolicy,
        circuit_threshold: u32,
        circuit_cooldown: Duration,
    ) -> Router {
        Router {
            catalog,
            retry,
            circuits: Circuits::new(circuit_threshold, circuit_cooldown),
        }
    }

    pub async fn call(
        &self,
        providers: &ProviderSet,
        needs: &Needs<'_>,
        request: &ChatRequest,
        progress: Listener<'_>,
    ) -> Result<Routed, RouteFailure> {
        let selection = select::select(needs, providers, &self.circuits, &self.catalog);
        self.try_in_turn(providers, needs, selection, request, progress)
            .await
    }

    /// Like [`Router::call`], with one model asked first (the gateway's callers name
    /// models); the chain's choices follow as fallbacks.
    pub async fn call_model(
        &self,
        providers: &ProviderSet,
        needs: &Needs<'_>,
        model: Arc<Model>,
        request: &ChatRequest,
        progress: Listener<'_>,
    ) -> Result<Routed, RouteFailure> {
        let mut selection = select::select(needs, providers, &self.circuits, &self.catalog);
        selection.candidates.retain(|c| c.model != model);
        selection.candidates.insert(
            0,
            Candidate {
                max_tokens: needs.max_tokens.min(model.max_output_tokens),
                model,
            },
        );
        self.try_in_turn(providers, needs, selection, request, progress)
            .await
    }

    async fn try_in_turn(
        &self,
        providers: &ProviderSet,
        needs: &Needs<'_>,
        selection: select::Selection,
        request: &ChatRequest,
        progress: Listener<'_>,
    ) -> Result<Routed, RouteFailure> {
        let mut attempts: Vec<Value> = Vec::new();
        let select::Selection {
            candidates,
            skipped,
        } = selection;
        let decision = |attempts: Vec<Value>, chosen: Option<Arc<Model>>| Decision {
            task: needs.task.as_str(),
            chain: needs.chain.to_vec(),
            budget_left: needs.budget_left.map(|b| b.0),
            candidates: candidates.clone(),
            skipped: skipped.clone(),
            attempts,
            chosen,
        };
        if candidates.is_empty() {
            return Err(RouteFailure {
                reason: "no_model",
                detail: unroutable(&skipped),
                decision: decision(attempts, None),
            });
        }
        let mut last_error = String::new();
        // Whether every provider refused the request itself (400/422): then it is the
        // request that is at fault, not the providers.
        let mut all_refused = true;
        for candidate in &candidates {
            let model = &candidate.model;
            let Some(provider) = providers.get(model.provider) else {
                continue;
            };
            let mut call = request.clone();
            call.model = model.name.to_string();
            call.max_tokens = candidate.max_tokens;
            for attempt in 0..=self.retry.max_retries {
                if attempt > 0 && self.circuits.state(model.provider) == CircuitState::Open {
                    break;
                }
                let span = spans::chat(model.provider, &call.model, call.max_tokens);
                let started = Instant::now();
                let result = match progress {
                    Some(progress) => {
                        progress(Progress::Attempt {
                            provider: model.provider,
                        });
                        stream_once(provider.as_ref(), &call, progress)
                            .instrument(span.clone())
                            .await
                    }
                    None => provider
                        .complete(&call)
                        .instrument(span.clone())
                        .await
                        .map_err(|error| (error, false)),
                };
                let latency = started.elapsed();
                match result {
                    Ok(completion) => {
                        self.circuits.success(model.provider);
                        attempts.push(json!({"provider": model.provider, "model": model.name, "outcome": "ok", "latency_ms": latency.as_millis() as u64}));
                        let cost = model.cost(completion.usage);
                        spans::chat_answered(&span, &model.name, completion.usage, cost);
                        return Ok(Routed {
                            completion,
                            model: Arc::clone(model),
                            cost,
                            latency,
                            decision: decision(attempts, Some(Arc::clone(model))),
                        });
                    }
                    Err((error, streamed)) => {
                        let error = providers.redact(error);
                        spans::chat_failed(&span, error.code());
                        if let (true, Some(progress)) = (streamed, progress) {
                            progress(Progress::Reset);
                        }
                        self.circuits.failure(model.provider);
                        tracing::warn!(provider = model.provider, model = %model.name, %error, "provider call failed");
                        last_error = format!("{}: {}", model.provider, error.summary());
                        all_refused &= matches!(
                            error,
                            ProviderError::Rejected {
                                status: 400 | 422,
                                ..
                            }
                        );
                        let retry_after = match &error {
                            ProviderError::RateLimited { retry_after } => *retry_after,
                            _ => None,
                        };
                        let wait = self.retry.delay(attempt, retry_after);
                        let give_up = !error.is_retryable()
                            || attempt == self.retry.max_retries
                            || wait > self.retry.max_wait;
                        attempts.push(json!({
                            "provider": model.provider, "model": model.name,
                            "outcome": error.code(), "error": error.summary(),
                            "latency_ms": latency.as_millis() as u64,
                            "next": if give_up { "fallback".to_string() } else { format!("retry in {} ms", wait.as_millis()) },
                        }));
                        if give_up {
                            break;
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        if all_refused && !attempts.is_empty() {
            return Err(RouteFailure {
                reason: "provider_refused",
                detail: format!("every provider refused the request; last: {last_error}"),
                decision: decision(attempts, None),
            });
        }
        Err(RouteFailure {
            reason: "provider_failed",
            detail: format!("every provider failed; last: {last_error}"),
            decision: decision(attempts, None),
        })
    }
}

/// Why no provider could take a call: each one in the chain and why it was passed
/// over, and how to configure one when that is what is missing.
fn unroutable(skipped: &[Value]) -> String {
    let reason = |skip: &Value| skip["reason"].as_str().unwrap_or_default().to_string();
    let reasons: Vec<String> = skipped
        .iter()
        .map(|skip| {
            let who = skip["model"]
                .as_str()
                .or_else(|| skip["provider"].as_str())
                .unwrap_or_default();
            format!("{who}: {}", reason(skip))
        })
        .collect();
    let mut detail = format!("no provider could take this call ({})", reasons.join("; "));
    if skipped.iter().any(|skip| reason(skip) == "not configured") {
        detail.push_str(
            ". Configure a provider: set its key (OPENAI_API_KEY, ANTHROPIC_API_KEY, …) \
             on the server, or add the team's own in Settings → Providers.",
        );
    }
    detail
}

/// One attempt, read to the end. The flag says whether text was already streamed out.
async fn stream_once(
    provider: &dyn LlmProvider,
    request: &ChatRequest,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<Completion, (ProviderError, bool)> {
    let mut stream = provider.stream(request).await.map_err(|e| (e, false))?;
    let mut completion = Completion::empty();
    let mut streamed = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| (e, streamed))?;
        match &chunk {
            Chunk::Text(text) => {
                streamed = true;
                progress(Progress::Text(text));
            }
            Chunk::Logprobs(entries) => progress(Progress::Logprobs(entries)),
            _ => {}
        }
        completion.absorb(chunk);
    }
    Ok(completion)
}
