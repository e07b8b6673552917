//! `POST /v1/chat/completions` (streaming and not), `POST /v1/embeddings` and
//! `GET /v1/models`, in OpenAI's format. Every answer carries `X-Gateway-Overhead-Ms`:
//! the time the gateway itself added (everything but waiting on the provider; for a
//! stream, until the provider is called).

use std::borrow::Cow;
use std::convert::Infallible;
use std::time::Instant;

use app::api_keys::Scope;
use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};

use super::auth::{Arrived, Caller};
use super::extract::{Body, Path};
use super::gateway_stream::{Dialect, open_stream};
use super::problem::{FieldProblem, Problem};
use crate::engine::providers::{Completion, ProviderError, Usage};
use crate::engine::router::{Decision, RouteFailure, Routed};
use crate::gateway::wire::{self, CompletionRequest};
use crate::gateway::{CacheUse, Cached, Client, EmbeddingRequest, ListedModel, Refusal};
use crate::metrics::{LlmCallRecord, Metrics};
use crate::state::AppState;

const OVERHEAD_HEADER: &str = "x-gateway-overhead-ms";
/// The hints the answering provider had no use for (see [`wire::HINTS`]).
const IGNORED_HEADER: &str = "x-gateway-ignored-params";
/// Whether the response cache answered (`hit`), will next time (`miss`), or could not
/// be used for this request (`skipped`: streamed, or temperature not 0).
const CACHE_HEADER: &str = "x-gateway-cache";

#[utoipa::path(get, path = "/v1/models", operation_id = "listModels", tag = "Gateway", summary = "List models (OpenAI format)", description = "The models this team can be answered by: its plan allows them and a configured provider serves them (the catalogue's, and those the providers list); then the aliases (`auto`, `cheap`, `smart`) that one of them can take. Beside OpenAI's fields each has what the catalogue knows: `context_window`, `max_output_tokens`, `pricing` (integer micro-dollars per million tokens; `null` for an unpriced model, charged at the dearest known rate), `capabilities` (`tools`, `vision`, `json`). Scope: run.", responses((status = 200, description = "An OpenAI model list", body = Object), (status = 401, description = "No valid API key", body = Object), (status = 403, description = "The key lacks the run scope", body = Object), (status = 429, description = "Rate limited", body = Object)))]
pub async fn models(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, Problem> {
    caller.require(Scope::Run)?;
    let data: Vec<Value> = state
        .gateway
        .models(caller.actor.team_id, caller.plan)
        .await?
        .into_iter()
        .map(model_object)
        .collect();
    Ok(Json(json!({"object": "list", "data": data})))
}

#[utoipa::path(get, path = "/v1/models/{model}", operation_id = "retrieveModel", tag = "Gateway", summary = "Get a model (OpenAI format)", description = "One model of `GET /v1/models`; 404 (`model_not_found`) for any other. Scope: run.", params(("model" = String, Path, description = "A model's id or an alias")), responses((status = 200, description = "An OpenAI model", body = Object), (status = 401, description = "No valid API key", body = Object), (status = 403, description = "The key lacks the run scope", body = Object), (status = 404, description = "Not a model this team can use", body = Object), (status = 429, description = "Rate limited", body = Object)))]
pub async fn model(
    State(state): State<AppState>,
    caller: Caller,
    Path(model): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.require(Scope::Run)?;
    state
        .gateway
        .models(caller.actor.team_id, caller.plan)
        .await?
        .into_iter()
        .find(|listed| listed.id == model)
        .map(|listed| Json(model_object(listed)))
        .ok_or_else(|| refusal_problem(Refusal::UnknownModel(model)))
}

fn model_object(listed: ListedModel) -> Value {
    let mut object =
        json!({"id": listed.id, "object": "model", "created": 0, "owned_by": listed.owned_by});
    if let (Some(object), Value::Object(info)) = (object.as_object_mut(), listed.info) {
        object.extend(info);
    }
    object
}

#[utoipa::path(post, path = "/v1/chat/completions", operation_id = "createChatCompletion", tag = "Gateway", summary = "Chat completion (OpenAI format)", description = "OpenAI's request and answer, streaming or not; routed with fallbacks; metered per key. Every OpenAI parameter is taken: `response_format`, `tools`/`tool_choice` (and the older `functions`), `n`, `stop`, `top_p` and image parts (`data:` or `https:` URLs, to models that read images) are translated for every provider; hints (`seed`, `service_tier`, `prompt_cache_key`, `reasoning_effort` …) are forwarded to OpenAI-format providers, and `X-Gateway-Ignored-Params` names those the answering provider had no use for; any other parameter goes only to OpenAI-format providers, or is refused naming it. Errors are OpenAI's: status and `{\"error\": {\"message\", \"type\", \"param\", \"code\"}}`. A stream whose routing fails before its first token fails with an HTTP status, not in the stream. `X-Gateway-Cache: on` (and `X-Gateway-Cache-TTL` seconds) answers a repeated `temperature: 0` request of the same team from the response cache (`X-Gateway-Cache: hit`, nothing charged). `X-Gateway-Overhead-Ms` tells the gateway's own latency. Scope: run.", request_body(content = Object, description = "An OpenAI chat-completions request"), responses((status = 200, description = "An OpenAI chat completion, or its stream", body = Object), (status = 400, description = "A parameter that is invalid or cannot be served (`param` names it)", body = Object), (status = 401, description = "No valid API key", body = Object), (status = 403, description = "The key lacks the run scope, or the model needs a higher plan", body = Object), (status = 404, description = "Unknown model (`model_not_found`)", body = Object), (status = 409, description = "A request with this Idempotency-Key is still being answered", body = Object), (status = 413, description = "The body is too large", body = Object), (status = 429, description = "Rate limited, or the key's monthly budget is spent (`insufficient_quota`)", body = Object), (status = 502, description = "Every provider failed", body = Object)))]
pub async fn chat_completions(
    State(state): State<AppState>,
    Extension(Arrived(arrived)): Extension<Arrived>,
    headers: HeaderMap,
    caller: Caller,
    Body(request): Body<CompletionRequest>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    if let Some(agent) = request
        .model
        .strip_prefix(super::gateway_agents::AGENT_PREFIX)
        .map(str::to_owned)
    {
        return super::gateway_agents::complete(&state, &caller, &agent, request).await;
    }
    let prepared = match state.gateway.prepare(client(&caller), &request).await {
        Ok(prepared) => prepared,
        Err(refusal) => {
            if let Some(outcome) = refused(&refusal) {
                state.metrics.gateway_call(outcome);
            }
            return Err(refusal_problem(refusal));
        }
    };
    let answer = OwnedAnswer {
        id: format!("chatcmpl-{}", uuid::Uuid::new_v4().simple()),
        created: chrono::Utc::now().timestamp(),
        model: request.model,
        legacy_functions: prepared.request.legacy_functions,
    };
    if request.stream {
        let include_usage = request.stream_options.is_some_and(|o| o.include_usage);
        let overhead = arrived.elapsed();
        let chunks = OpenAiChunks {
            answer,
            include_usage,
        };
        let opened = open_stream(prepared, state.metrics.clone(), chunks, served)
            .await
            .map_err(route_problem)?;
        let mut response = Sse::new(opened.events.map(Ok::<_, Infallible>)).into_response();
        set_overhead(&mut response, overhead.as_secs_f64());
        if !opened.ignored.is_empty() {
            set_header(&mut response, IGNORED_HEADER, &opened.ignored.join(", "));
        }
        return Ok(response);
    }
    let cache = CacheUse::of(
        &headers,
        caller.cache_ttl,
        request.stream,
        request.temperature,
    );
    let cache_key = matches!(cache, CacheUse::On(_)).then(|| {
        state
            .gateway
            .cache
            .key(caller.actor.team_id, &answer.model, &prepared.request)
    });
    if let Some(key) = &cache_key
        && let Some(hit) = state.gateway.cache.get(key).await
    {
        prepared.record_cache_hit(&hit);
        state.metrics.gateway_call("cache_hit");
        let mut body = hit.answer;
        body["id"] = json!(answer.id);
        body["created"] = json!(answer.created);
        let mut response = Json(body).into_response();
        set_overhead(&mut response, arrived.elapsed().as_secs_f64());
        set_header(&mut response, CACHE_HEADER, "hit");
        return Ok(response);
    }
    let called = Instant::now();
    let calls = (0..prepared.request.choices).map(|_| prepared.call(None));
    let results = futures::future::join_all(calls).await;
    let provider_time = called.elapsed();
    let mut answers = Vec::with_capacity(results.len());
    let mut ignored: Vec<String> = Vec::new();
    let mut failure = None;
    let (mut model, mut cost) = (Cow::Borrowed(""), 0);
    for result in results {
        match result {
            Ok(routed) => {
                prepared.record(&routed);
                served(&state.metrics, &routed);
                for hint in prepared.unused_hints(&routed) {
                    if !ignored.contains(hint) {
                        ignored.push(hint.clone());
                    }
                }
                model = routed.model.name.clone();
                cost += routed.cost.0;
                answers.push(routed.completion);
            }
            Err(error) => {
                state.metrics.gateway_call("failed");
                failure.get_or_insert(error);
            }
        }
    }
    if let Some(failure) = failure {
        return Err(route_problem(failure));
    }
    let body = answer.shape().completion(&answers);
    if let (Some(key), CacheUse::On(ttl)) = (&cache_key, cache) {
        let kept = Cached {
            answer: body.clone(),
            model: model.to_string(),
            cost_micro_usd: cost,
        };
        state.gateway.cache.put(key, &kept, ttl).await;
    }
    let mut response = Json(body).into_response();
    let overhead = arrived.elapsed().saturating_sub(provider_time);
    set_overhead(&mut response, overhead.as_secs_f64());
    match cache {
        CacheUse::On(_) => set_header(&mut response, CACHE_HEADER, "miss"),
        CacheUse::Skipped => set_header(&mut response, CACHE_HEADER, "skipped"),
        CacheUse::Off => {}
    }
    if !ignored.is_empty() {
        set_header(&mut response, IGNORED_HEADER, &ignored.join(", "));
    }
    Ok(response)
}

fn set_header(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[utoipa::path(post, path = "/v1/embeddings", operation_id = "createEmbedding", tag = "Gateway", summary = "Embeddings (OpenAI format)", description = "Vectors for one text or a list (up to 2,048), from the embedding model named (`GET /v1/models` lists them; no fallback to another model, since vectors of two models do not compare). `encoding_format` `float` or `base64` (little-endian floats, as OpenAI's SDKs ask by default); `dimensions` where the model can shorten its vectors. Metered and budgeted per key like chat. Errors are OpenAI's. Scope: run.", request_body(content = Object, description = "An OpenAI embeddings request"), responses((status = 200, description = "An OpenAI embedding list", body = Object), (status = 400, description = "Invalid input (`param` names it)", body = Object), (status = 401, description = "No valid API key", body = Object), (status = 403, description = "The key lacks the run scope, or the model needs a higher plan", body = Object), (status = 404, description = "No such embedding model for this team (`model_not_found`)", body = Object), (status = 409, description = "A request with this Idempotency-Key is still being answered", body = Object), (status = 413, description = "The body is too large", body = Object), (status = 429, description = "Rate limited, or the key's monthly budget is spent (`insufficient_quota`)", body = Object), (status = 502, description = "The provider failed", body = Object)))]
pub async fn embeddings(
    State(state): State<AppState>,
    Extension(Arrived(arrived)): Extension<Arrived>,
    caller: Caller,
    Body(request): Body<EmbeddingRequest>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let prepared = match state
        .gateway
        .prepare_embedding(client(&caller), &request)
        .await
    {
        Ok(prepared) => prepared,
        Err(refusal) => {
            if let Some(outcome) = refused(&refusal) {
                state.metrics.gateway_call(outcome);
            }
            return Err(refusal_problem(refusal));
        }
    };
    let embedded = prepared.call().await.map_err(|error| {
        state.metrics.gateway_call("failed");
        provider_problem(&error)
    })?;
    prepared.record(&embedded);
    state.metrics.gateway_call("served");
    state.metrics.llm_call(&LlmCallRecord {
        source: "gateway",
        provider: embedded.model.provider,
        model: embedded.model.name,
        ok: true,
        latency: embedded.latency,
        prompt_tokens: embedded.embeddings.prompt_tokens,
        completion_tokens: 0,
        cost_micro_usd: u64::try_from(embedded.model.cost(embedded.embeddings.prompt_tokens).0)
            .unwrap_or(0),
    });
    let mut response = Json(prepared.answer(&embedded)).into_response();
    let overhead = arrived.elapsed().saturating_sub(embedded.latency);
    set_overhead(&mut response, overhead.as_secs_f64());
    Ok(response)
}

/// Who is calling, as the gateway's checks need it.
pub(super) fn client(caller: &Caller) -> Client {
    Client {
        team_id: caller.actor.team_id,
        api_key_id: caller.actor.api_key_id,
        plan: caller.plan,
        monthly_budget_micro_usd: caller.monthly_budget_micro_usd,
    }
}

/// A provider's failure of a call with no fallback: the request's fault (400) when the
/// provider refused it, else 502. The provider's own words stay in the log.
fn provider_problem(error: &ProviderError) -> Problem {
    tracing::warn!(%error, "embeddings call failed");
    let failure = RouteFailure {
        reason: match error {
            ProviderError::Rejected {
                status: 400 | 422, ..
            } => "provider_refused",
            _ => "provider_failed",
        },
        detail: error.summary(),
        decision: Decision::default(),
    };
    route_problem(failure)
}

/// [`wire::Answer`], owned, for a stream that outlives the handler.
struct OwnedAnswer {
    id: String,
    created: i64,
    model: String,
    legacy_functions: bool,
}

impl OwnedAnswer {
    fn shape(&self) -> wire::Answer<'_> {
        wire::Answer {
            id: &self.id,
            created: self.created,
            model: &self.model,
            legacy_functions: self.legacy_functions,
        }
    }
}

pub(super) fn set_overhead(response: &mut Response, seconds: f64) {
    set_header(
        response,
        OVERHEAD_HEADER,
        &format!("{:.3}", seconds * 1000.0),
    );
}

/// A served call, counted for the operator: the call and its model's usage.
pub(super) fn served(metrics: &Metrics, routed: &Routed) {
    metrics.gateway_call("served");
    metrics.llm_call(&LlmCallRecord {
        source: "gateway",
        provider: routed.model.provider,
        model: &routed.model.name,
        ok: true,
        latency: routed.latency,
        prompt_tokens: routed.completion.usage.prompt_tokens,
        completion_tokens: routed.completion.usage.completion_tokens,
        cost_micro_usd: u64::try_from(routed.cost.0).unwrap_or(0),
    });
}

/// The metrics' name for a refusal; a database failure is not one.
pub(super) fn refused(refusal: &Refusal) -> Option<&'static str> {
    match refusal {
        Refusal::Invalid { .. } => Some("invalid"),
        Refusal::UnknownModel(_) => Some("unknown_model"),
        Refusal::NeedsPlan(_) => Some("refused_plan"),
        Refusal::BudgetSpent => Some("refused_budget"),
        Refusal::Database(_) => None,
    }
}

pub(super) fn refusal_problem(refusal: Refusal) -> Problem {
    let detail = refusal.to_string();
    match refusal {
        Refusal::Invalid {
            field,
            message,
            code,
        } => Problem::invalid(vec![FieldProblem::new(field, message)]).with_code(code),
        Refusal::UnknownModel(_) => Problem::new(
            StatusCode::NOT_FOUND,
            "model-not-found",
            "Unknown model",
            detail,
        ),
        Refusal::NeedsPlan(_) => Problem::new(
            StatusCode::FORBIDDEN,
            "model-needs-plan",
            "Model not in plan",
            detail,
        ),
        Refusal::BudgetSpent => Problem::new(
            StatusCode::PAYMENT_REQUIRED,
            "budget-exceeded",
            "Key budget spent",
            detail,
        ),
        Refusal::Database(error) => error.into(),
    }
}

pub(super) fn route_problem(failure: RouteFailure) -> Problem {
    let (status, slug, title) = match failure.reason {
        "no_model" => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-model",
            "No model can take this request",
        ),
        // A parameter passed through as it is may be one the provider does not know.
        "provider_refused" => (
            StatusCode::BAD_REQUEST,
            "provider-refused",
            "The provider refused the request",
        ),
        _ => (
            StatusCode::BAD_GATEWAY,
            "provider-failed",
            "Every provider failed",
        ),
    };
    Problem::new(status, slug, title, failure.detail)
}

/// OpenAI's stream: `chat.completion.chunk`s, usage last when asked for, then `[DONE]`.
struct OpenAiChunks {
    answer: OwnedAnswer,
    include_usage: bool,
}

fn data(value: Value) -> Event {
    Event::default().data(value.to_string())
}

impl Dialect for OpenAiChunks {
    fn opening(&self, choices: u32) -> Vec<Event> {
        let shape = self.answer.shape();
        (0..choices)
            .map(|index| {
                data(shape.chunk(index, json!({"role": "assistant", "content": ""}), None))
            })
            .collect()
    }

    fn text(&self, index: u32, text: &str) -> Event {
        data(
            self.answer
                .shape()
                .chunk(index, json!({"content": text}), None),
        )
    }

    fn logprobs(&self, index: u32, entries: &[Value]) -> Option<Event> {
        Some(data(self.answer.shape().logprobs_chunk(index, entries)))
    }

    fn closing(&self, index: u32, answer: &Completion) -> Vec<Event> {
        self.answer
            .shape()
            .closing_chunks(index, answer)
            .into_iter()
            .map(data)
            .collect()
    }

    fn failure(&self, message: &str, code: &str) -> Event {
        data(json!({"error": {"message": message, "type": "upstream_error", "code": code}}))
    }

    fn end(&self, usage: Usage) -> Vec<Event> {
        let mut events = Vec::new();
        if self.include_usage {
            events.push(data(self.answer.shape().usage_chunk(usage)));
        }
        events.push(Event::default().data("[DONE]"));
        events
    }
}
