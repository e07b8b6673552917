//! `POST /v1/chat/completions` (streaming and not) and `GET /v1/models`, in OpenAI's
//! format. Every answer carries `X-Gateway-Overhead-Ms`: the time the gateway itself
//! added (everything but waiting on the provider; for a stream, until the provider is
//! called).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use app::api_keys::Scope;
use app::error::AppError;
use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};

use super::auth::{Arrived, Caller};
use super::extract::Body;
use super::problem::Problem;
use super::responses::{BadBody, Invalid, ProblemDoc, Refusals, Replays};
use crate::engine::router::{Progress, RouteFailure, Routed};
use crate::gateway::wire::{self, CompletionRequest};
use crate::gateway::{Client, Prepared, Refusal};
use crate::metrics::{LlmCallRecord, Metrics};
use crate::state::AppState;

const OVERHEAD_HEADER: &str = "x-gateway-overhead-ms";

#[utoipa::path(get, path = "/v1/models", operation_id = "listModels", tag = "Gateway", summary = "List models (OpenAI format)", description = "Aliases (`auto`, `cheap`, `smart`) and the models the plan and configured providers allow. Scope: run.", responses((status = 200, description = "An OpenAI model list", body = Object), Refusals))]
pub async fn models(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, Problem> {
    caller.require(Scope::Run)?;
    let data: Vec<Value> = state
        .gateway
        .models(caller.actor.team_id, caller.plan)
        .await?
        .into_iter()
        .map(|(id, owner)| json!({"id": id, "object": "model", "created": 0, "owned_by": owner}))
        .collect();
    Ok(Json(json!({"object": "list", "data": data})))
}

#[utoipa::path(post, path = "/v1/chat/completions", operation_id = "createChatCompletion", tag = "Gateway", summary = "Chat completion (OpenAI format)", description = "OpenAI's request and answer, streaming or not; routed with fallbacks; metered per key; `X-Gateway-Overhead-Ms` tells the gateway's own latency. Scope: run.", request_body(content = Object, description = "An OpenAI chat-completions request"), responses((status = 200, description = "An OpenAI chat completion, or its stream", body = Object), (status = 402, description = "The key's monthly budget is spent", body = ProblemDoc, content_type = "application/problem+json"), (status = 404, description = "Unknown model", body = ProblemDoc, content_type = "application/problem+json"), (status = 502, description = "Every provider failed", body = ProblemDoc, content_type = "application/problem+json"), Invalid, Refusals, BadBody, Replays))]
pub async fn chat_completions(
    State(state): State<AppState>,
    Extension(Arrived(arrived)): Extension<Arrived>,
    caller: Caller,
    Body(request): Body<CompletionRequest>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let client = Client {
        team_id: caller.actor.team_id,
        api_key_id: caller.actor.api_key_id,
        plan: caller.plan,
        monthly_budget_micro_usd: caller.monthly_budget_micro_usd,
    };
    let prepared = match state.gateway.prepare(client, &request).await {
        Ok(prepared) => prepared,
        Err(refusal) => {
            if let Some(outcome) = refused(&refusal) {
                state.metrics.gateway_call(outcome);
            }
            return Err(refusal_problem(refusal));
        }
    };
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
    let created = chrono::Utc::now().timestamp();
    if request.stream {
        let include_usage = request.stream_options.is_some_and(|o| o.include_usage);
        let overhead = arrived.elapsed();
        let events = stream(
            prepared,
            state.metrics.clone(),
            id,
            created,
            request.model,
            include_usage,
        );
        let mut response = Sse::new(events.map(Ok::<_, Infallible>)).into_response();
        set_overhead(&mut response, overhead.as_secs_f64());
        return Ok(response);
    }
    let called = Instant::now();
    let result = prepared.call(&|_| {}).await;
    let provider_time = called.elapsed();
    let routed = result
        .inspect_err(|_| state.metrics.gateway_call("failed"))
        .map_err(route_problem)?;
    prepared.record(&routed);
    served(&state.metrics, &routed);
    let body = wire::completion(&id, created, routed.model.name, &routed.completion);
    let mut response = Json(body).into_response();
    let overhead = arrived.elapsed().saturating_sub(provider_time);
    set_overhead(&mut response, overhead.as_secs_f64());
    Ok(response)
}

fn set_overhead(response: &mut Response, seconds: f64) {
    if let Ok(value) = HeaderValue::from_str(&format!("{:.3}", seconds * 1000.0)) {
        response.headers_mut().insert(OVERHEAD_HEADER, value);
    }
}

/// A served call, counted for the operator: the call and its model's usage.
fn served(metrics: &Metrics, routed: &Routed) {
    metrics.gateway_call("served");
    metrics.llm_call(&LlmCallRecord {
        source: "gateway",
        provider: routed.model.provider,
        model: routed.model.name,
        ok: true,
        latency: routed.latency,
        prompt_tokens: routed.completion.usage.prompt_tokens,
        completion_tokens: routed.completion.usage.completion_tokens,
        cost_micro_usd: u64::try_from(routed.cost.0).unwrap_or(0),
    });
}

/// The metrics' name for a refusal; a database failure is not one.
fn refused(refusal: &Refusal) -> Option<&'static str> {
    match refusal {
        Refusal::Invalid { .. } => Some("invalid"),
        Refusal::UnknownModel(_) => Some("unknown_model"),
        Refusal::NeedsPlan(_) => Some("refused_plan"),
        Refusal::BudgetSpent => Some("refused_budget"),
        Refusal::Database(_) => None,
    }
}

fn refusal_problem(refusal: Refusal) -> Problem {
    let detail = refusal.to_string();
    match refusal {
        Refusal::Invalid { field, message } => AppError::invalid(&field, message).into(),
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

fn route_problem(failure: RouteFailure) -> Problem {
    let (status, slug, title) = match failure.reason {
        "no_model" => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-model",
            "No model can take this request",
        ),
        _ => (
            StatusCode::BAD_GATEWAY,
            "provider-failed",
            "Every provider failed",
        ),
    };
    Problem::new(status, slug, title, failure.detail)
}

/// The answer as OpenAI stream chunks, ending with `[DONE]`. Text goes out as the
/// provider produces it; if a provider fails after some text went out (the router would
/// start over elsewhere), the stream ends with an error instead of mixing two answers.
fn stream(
    prepared: Prepared,
    metrics: Arc<Metrics>,
    id: String,
    created: i64,
    model: String,
    include_usage: bool,
) -> futures::channel::mpsc::UnboundedReceiver<Event> {
    let (sender, receiver) = futures::channel::mpsc::unbounded::<Event>();
    tokio::spawn(async move {
        let send = |value: Value| {
            let _ = sender.unbounded_send(Event::default().data(value.to_string()));
        };
        send(wire::chunk(
            &id,
            created,
            &model,
            json!({"role": "assistant", "content": ""}),
            None,
        ));
        let broken = AtomicBool::new(false);
        let progress = |progress: Progress<'_>| match progress {
            Progress::Text(text) if !broken.load(Ordering::Relaxed) => {
                send(wire::chunk(
                    &id,
                    created,
                    &model,
                    json!({"content": text}),
                    None,
                ));
            }
            Progress::Text(_) => {}
            Progress::Reset => broken.store(true, Ordering::Relaxed),
        };
        let result = prepared.call(&progress).await;
        match &result {
            Ok(routed) => {
                prepared.record(routed);
                served(&metrics, routed);
            }
            Err(_) => metrics.gateway_call("failed"),
        }
        match result {
            Ok(routed) if !broken.load(Ordering::Relaxed) => {
                for chunk in
                    wire::closing_chunks(&id, created, &model, &routed.completion, include_usage)
                {
                    send(chunk);
                }
            }
            Ok(_) => send(
                json!({"error": {"message": "the provider failed mid-answer; retry the request", "type": "provider_failed"}}),
            ),
            Err(failure) => {
                send(json!({"error": {"message": failure.detail, "type": failure.reason}}))
            }
        }
        let _ = sender.unbounded_send(Event::default().data("[DONE]"));
    });
    receiver
}
