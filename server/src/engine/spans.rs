//! The engine's spans, named and described as OpenTelemetry's generative-AI conventions
//! say, so any tracing backend shows a run as a tree it understands:
//! `invoke_agent {name}` (or `invoke_workflow {name}`) around a run, an agent node of a
//! workflow its own `invoke_agent`, `chat {model}` for each provider attempt and
//! `execute_tool {tool}` for each tool call. Without an exporter they are ordinary log
//! spans (a run's lines carry its id).
//!
//! Prompts, answers and tool arguments are never attributes: they are the team's data.

use tracing::Span;
use tracing::field::Empty;
use uuid::Uuid;

use app::spec::{MicroUsd, Spec, SpecBody};

use super::providers::Usage;

/// Who a run is, for its span.
pub struct RunIds {
    pub run: Uuid,
    pub team: Uuid,
    pub agent: Option<Uuid>,
    pub version: Option<i32>,
    pub attempt: i32,
}

/// The span around one attempt at a run.
pub fn run(spec: &Spec, ids: &RunIds) -> Span {
    let operation = match spec.body {
        SpecBody::Agent(_) => "invoke_agent",
        SpecBody::Workflow(_) => "invoke_workflow",
    };
    tracing::info_span!(
        "run",
        otel.name = %format!("{operation} {}", spec.name),
        otel.kind = "internal",
        otel.status_code = Empty,
        otel.status_message = Empty,
        run = %ids.run,
        gen_ai.operation.name = operation,
        gen_ai.agent.id = ids.agent.map(tracing::field::display),
        gen_ai.agent.name = spec.name.as_str(),
        agent_factory.team.id = %ids.team,
        agent_factory.agent.version = ids.version,
        agent_factory.run.id = %ids.run,
        agent_factory.run.attempt = ids.attempt,
        agent_factory.run.status = Empty,
        agent_factory.cost.micro_usd = Empty,
        error.type = Empty,
    )
}

/// Records how the run ended on its span; a failure marks the span failed with its
/// stable reason (`max_steps`, `provider_failed`, …), never the detail text.
pub fn run_ended(span: &Span, status: &str, reason: Option<&str>, cost: MicroUsd) {
    span.record("agent_factory.run.status", status);
    span.record("agent_factory.cost.micro_usd", cost.0);
    if let Some(reason) = reason.filter(|_| status == "failed") {
        span.record("error.type", reason);
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_message", reason);
    }
}

/// An agent node inside a workflow run.
pub fn agent_node(node: &str) -> Span {
    tracing::info_span!(
        "agent",
        otel.name = %format!("invoke_agent {node}"),
        otel.kind = "internal",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.agent.name = node,
    )
}

/// One attempt at a model call (a retry or a fallback is a span of its own).
pub fn chat(provider: &str, model: &str, max_tokens: u32) -> Span {
    tracing::info_span!(
        "chat",
        otel.name = %format!("chat {model}"),
        otel.kind = "client",
        otel.status_code = Empty,
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = provider,
        gen_ai.request.model = model,
        gen_ai.request.max_tokens = max_tokens,
        gen_ai.response.model = Empty,
        gen_ai.usage.input_tokens = Empty,
        gen_ai.usage.output_tokens = Empty,
        agent_factory.cost.micro_usd = Empty,
        error.type = Empty,
    )
}

pub fn chat_answered(span: &Span, model: &str, usage: Usage, cost: MicroUsd) {
    span.record("gen_ai.response.model", model);
    span.record("gen_ai.usage.input_tokens", usage.prompt_tokens);
    span.record("gen_ai.usage.output_tokens", usage.completion_tokens);
    span.record("agent_factory.cost.micro_usd", cost.0);
}

/// `code` is the provider error's stable code (`rate_limited`, `timeout`, …).
pub fn chat_failed(span: &Span, code: &str) {
    span.record("error.type", code);
    span.record("otel.status_code", "ERROR");
}

pub fn tool(name: &str, call_id: &str) -> Span {
    tracing::info_span!(
        "tool",
        otel.name = %format!("execute_tool {name}"),
        otel.kind = "internal",
        otel.status_code = Empty,
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = name,
        gen_ai.tool.call.id = call_id,
        gen_ai.tool.type = "function",
        error.type = Empty,
    )
}

pub fn tool_failed(span: &Span) {
    span.record("error.type", "tool_error");
    span.record("otel.status_code", "ERROR");
}
