//! `POST /v1/messages`: Anthropic's Messages API in front of our router, so tools built
//! on Anthropic's SDK (which sends the key as `x-api-key`) use the gateway unchanged:
//! the same models, aliases, fallbacks, metering and budgets as chat completions, and
//! Anthropic's own answers, stream events and errors.

use std::convert::Infallible;

use app::api_keys::Scope;
use axum::Json;
use axum::extract::{Extension, State};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};

use super::auth::{Arrived, Caller};
use super::extract::Body;
use super::gateway::{client, refusal_problem, refused, route_problem, served, set_overhead};
use super::gateway_stream::{Dialect, open_stream};
use super::problem::Problem;
use crate::engine::providers::{Completion, Usage};
use crate::gateway::anthropic_wire::{self, MessagesRequest};
use crate::state::AppState;

#[utoipa::path(post, path = "/v1/messages", operation_id = "createMessage", tag = "Gateway", summary = "Message (Anthropic format)", description = "Anthropic's Messages request and answer, streaming (Anthropic's events) or not, routed by our router like chat completions: `model` is an alias or any model of `GET /v1/models`. The key may come as `x-api-key`, as Anthropic's SDKs send it. Text, tool use and tool results are taken; errors are Anthropic's (`{\"type\": \"error\", \"error\": {\"type\", \"message\"}}`). Scope: run.", request_body(content = Object, description = "An Anthropic Messages request"), responses((status = 200, description = "An Anthropic message, or its event stream", body = Object), (status = 400, description = "Invalid request", body = Object), (status = 401, description = "No valid API key", body = Object), (status = 403, description = "The key lacks the run scope, or the model needs a higher plan", body = Object), (status = 404, description = "Unknown model", body = Object), (status = 409, description = "A request with this Idempotency-Key is still being answered", body = Object), (status = 413, description = "The body is too large", body = Object), (status = 429, description = "Rate limited, or the key's budget is spent", body = Object), (status = 502, description = "Every provider failed", body = Object)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(Arrived(arrived)): Extension<Arrived>,
    caller: Caller,
    Body(request): Body<MessagesRequest>,
) -> Result<Response, Problem> {
    caller.require(Scope::Run)?;
    let prepared = match request.parse() {
        Ok(parsed) => {
            state
                .gateway
                .prepare_parsed(client(&caller), &request.model, parsed)
                .await
        }
        Err(unfit) => Err(unfit.into()),
    };
    let prepared = prepared.map_err(|refusal| {
        if let Some(outcome) = refused(&refusal) {
            state.metrics.gateway_call(outcome);
        }
        refusal_problem(refusal)
    })?;
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    if request.stream {
        let overhead = arrived.elapsed();
        let events = AnthropicEvents {
            id,
            model: request.model,
        };
        let opened = open_stream(prepared, state.metrics.clone(), events, served)
            .await
            .map_err(route_problem)?;
        let mut response = Sse::new(opened.events.map(Ok::<_, Infallible>)).into_response();
        set_overhead(&mut response, overhead.as_secs_f64());
        return Ok(response);
    }
    let routed = prepared.call(None).await.map_err(|failure| {
        state.metrics.gateway_call("failed");
        route_problem(failure)
    })?;
    prepared.record(&routed);
    served(&state.metrics, &routed);
    let answer = anthropic_wire::message(&id, &request.model, &routed.completion);
    let mut response = Json(answer).into_response();
    let overhead = arrived.elapsed().saturating_sub(routed.latency);
    set_overhead(&mut response, overhead.as_secs_f64());
    Ok(response)
}

/// Anthropic's stream: named events, one text block, then tool-use blocks whole.
struct AnthropicEvents {
    id: String,
    model: String,
}

fn event((name, data): (&'static str, Value)) -> Event {
    Event::default().event(name).data(data.to_string())
}

impl Dialect for AnthropicEvents {
    fn opening(&self, _choices: u32) -> Vec<Event> {
        anthropic_wire::opening_events(&self.id, &self.model)
            .into_iter()
            .map(event)
            .collect()
    }

    fn text(&self, _index: u32, text: &str) -> Event {
        event(anthropic_wire::text_event(text))
    }

    fn closing(&self, _index: u32, answer: &Completion) -> Vec<Event> {
        anthropic_wire::closing_events(answer)
            .into_iter()
            .map(event)
            .collect()
    }

    fn failure(&self, message: &str, _code: &str) -> Event {
        event((
            "error",
            json!({"type": "error", "error": {"type": "api_error", "message": message}}),
        ))
    }

    fn end(&self, _usage: Usage) -> Vec<Event> {
        Vec::new()
    }
}
