//! The agent loop: LLM → tool calls (in parallel) → LLM … → answer, with the spec's
//! invariants enforced before each call (steps, cost) and on the answer.

use std::time::Instant;

use app::knowledge::SearchHit;
use app::runs::{RunEvent, StepKind, StepRecord, StepStatus};
use app::spec::{AgentBody, KNOWLEDGE_TOOL, KnowledgeUse, MicroUsd, ModelPolicy};
use serde_json::{Value, json};
use tracing::{Instrument, Span};

use super::context::RunContext;
use super::invariants::{check_answer, repair_prompt};
use super::providers::{AnswerFormat, ChatRequest, Message, ToolCall};
use super::router::{Needs, Progress, Routed};
use super::spans;
use super::tools::{Toolbox, knowledge};

/// Output tokens asked for when the spec does not say.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 1_024;

/// Why a run (or a node) stopped without an answer. `reason` is a stable code.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFailure {
    pub reason: &'static str,
    pub detail: String,
}

impl RunFailure {
    pub fn new(reason: &'static str, detail: impl Into<String>) -> RunFailure {
        RunFailure {
            reason,
            detail: detail.into(),
        }
    }

    /// A failure on our side (the database, stored data). The run says what it was
    /// doing and how to refer to it, never the error's own words: those go to the log,
    /// inside the run's span, where its id finds them.
    pub fn internal(doing: &str, error: impl std::fmt::Display) -> RunFailure {
        tracing::error!(%error, "a run failed on our side while {doing}");
        RunFailure::new(
            "internal",
            format!(
                "Something went wrong on our side while {doing}. Quote this run's id to \
                 support: it finds the details in the server log."
            ),
        )
    }
}

pub struct AgentCall<'a> {
    /// The workflow node this agent is, if any.
    pub node: Option<&'a str>,
    pub parent: Option<i32>,
    pub model: &'a ModelPolicy,
    pub body: &'a AgentBody,
    pub system: String,
    /// A conversation's earlier turns, before the prompt.
    pub earlier: Vec<Message>,
    pub prompt: String,
    /// Messages after the prompt that an earlier attempt already recorded.
    pub history: Vec<Message>,
}

pub async fn run_agent(ctx: &RunContext, mut call: AgentCall<'_>) -> Result<Value, RunFailure> {
    let rules = &call.body.invariants;
    let mut tool_specs = Toolbox::specs(&call.body.tools);
    if searches_knowledge(call.body) {
        tool_specs.push(knowledge::spec());
    }
    if let Some(use_) = call.body.knowledge.as_ref().filter(|k| k.always) {
        let query = call.prompt.clone();
        let passages = retrieve_first(ctx, &call, use_, &query).await?;
        call.system = format!("{}\n\n{}", call.system, knowledge::preamble(&passages));
    }
    let node = call.node.map(str::to_string);
    let mut messages = std::mem::take(&mut call.earlier);
    messages.push(Message::User(call.prompt.clone()));
    let mut local_calls = call
        .history
        .iter()
        .filter(|m| matches!(m, Message::Assistant { .. }))
        .count() as u32;
    messages.extend(std::mem::take(&mut call.history));
    let mut local_spent = MicroUsd::ZERO;
    let mut local_tokens = 0u64;
    let mut repaired = false;
    loop {
        if ctx.cancel.is_cancelled() {
            return Err(RunFailure::new("cancelled", "the run was cancelled"));
        }
        local_calls += 1;
        if rules.max_steps.is_some_and(|max| local_calls > max) || !ctx.take_llm_call() {
            let max = rules.max_steps.or(ctx.max_steps).unwrap_or_default();
            return Err(broken(
                ctx,
                &call,
                "max_steps",
                format!("the agent needed more than {max} model calls"),
            )
            .await);
        }
        let budget_left = budget_left(
            ctx,
            rules.max_cost.or(call.model.max_cost_per_run),
            local_spent,
        );
        let request = ChatRequest {
            model: String::new(),
            system: call.system.clone(),
            messages: messages.clone(),
            tools: tool_specs.clone(),
            max_tokens: call
                .model
                .max_output_tokens
                .unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS),
            temperature: call.model.temperature_centi.map(|t| f32::from(t) / 100.0),
            answer: AnswerFormat::matching(rules.output_schema.clone()),
            ..ChatRequest::default()
        };
        let chain = if call.model.prefer.is_empty() {
            ctx.providers.chain().to_vec()
        } else {
            call.model.prefer.clone()
        };
        let needs = Needs {
            task: call.model.task,
            plan: ctx.plan,
            chain: &chain,
            prompt_bytes: request.prompt_bytes(),
            max_tokens: request.max_tokens,
            budget_left,
            format: None,
            tools: !request.tools.is_empty(),
            vision: false,
            pinned: &call.model.models,
        };
        let routed = llm_call(ctx, &call, &needs, &request, node.clone()).await?;
        local_spent = local_spent.saturating_add(routed.cost);
        let used =
            routed.completion.usage.prompt_tokens + routed.completion.usage.completion_tokens;
        local_tokens += used;
        ctx.add_usage(routed.cost, used);
        if rules.max_tokens.is_some_and(|max| local_tokens > max)
            || ctx.max_tokens.is_some_and(|max| ctx.tokens() > max)
        {
            let max = rules.max_tokens.or(ctx.max_tokens).unwrap_or_default();
            return Err(broken(
                ctx,
                &call,
                "max_tokens",
                format!("the run used more than {max} tokens"),
            )
            .await);
        }
        let completion = routed.completion;
        if !completion.tool_calls.is_empty() {
            messages.push(Message::Assistant {
                text: completion.text.clone(),
                tool_calls: completion.tool_calls.clone(),
            });
            for tool_call in &completion.tool_calls {
                let allowed = (call.body.tools.iter().any(|t| t.name() == tool_call.name)
                    || (tool_call.name == KNOWLEDGE_TOOL && searches_knowledge(call.body)))
                    && rules
                        .allowed_tools
                        .as_ref()
                        .is_none_or(|list| list.contains(&tool_call.name));
                if !allowed {
                    let detail = format!(
                        "the model called `{}`, which this agent may not use",
                        tool_call.name
                    );
                    return Err(broken(ctx, &call, "tool_not_allowed", detail).await);
                }
            }
            let results = run_tools(ctx, &call, &completion.tool_calls, &messages).await?;
            messages.extend(results);
            continue;
        }
        let (result, checks) = check_answer(rules, &completion.text);
        let status = if result.is_ok() {
            StepStatus::Ok
        } else {
            StepStatus::Error
        };
        if !checks.is_empty() {
            record(
                ctx,
                &call,
                StepKind::Invariant,
                status,
                json!({"checks": checks}),
            )
            .await?;
        }
        match result {
            Ok(output) => return Ok(output),
            Err(failure) if failure.repairable && !repaired => {
                repaired = true;
                ctx.recorder
                    .event(RunEvent::TextReset { node: node.clone() });
                messages.push(Message::Assistant {
                    text: completion.text,
                    tool_calls: Vec::new(),
                });
                messages.push(Message::User(repair_prompt(rules, &failure)));
            }
            Err(failure) => return Err(RunFailure::new(failure.reason, failure.message)),
        }
    }
}

/// The lower of the run's remaining budget and this agent's own limit.
fn budget_left(
    ctx: &RunContext,
    local_limit: Option<MicroUsd>,
    local_spent: MicroUsd,
) -> Option<MicroUsd> {
    let run_left = ctx.max_cost.map(|max| max.saturating_sub(ctx.spent()));
    let local_left = local_limit.map(|max| max.saturating_sub(local_spent));
    match (run_left, local_left) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

async fn llm_call(
    ctx: &RunContext,
    call: &AgentCall<'_>,
    needs: &Needs<'_>,
    request: &ChatRequest,
    node: Option<String>,
) -> Result<Routed, RunFailure> {
    let started = Instant::now();
    let recorder = ctx.recorder.clone();
    let progress = move |progress: Progress<'_>| match progress {
        Progress::Text(text) => recorder.event(RunEvent::Token {
            text: text.to_string(),
            node: node.clone(),
        }),
        Progress::Reset => recorder.event(RunEvent::TextReset { node: node.clone() }),
        Progress::Attempt { .. } | Progress::Logprobs(_) => {}
    };
    let routed = tokio::select! {
        routed = ctx.router.call(&ctx.providers, needs, request, Some(&progress)) => routed,
        () = ctx.cancel.cancelled() => return Err(RunFailure::new("cancelled", "the run was cancelled")),
    };
    let elapsed = started.elapsed().as_millis() as i64;
    match routed {
        Err(failure) => {
            record_step(
                ctx,
                call,
                StepKind::Route,
                StepStatus::Error,
                failure.decision.to_json(),
                elapsed,
                None,
            )
            .await?;
            let over_budget = failure
                .decision
                .skipped()
                .iter()
                .any(|r| r["reason"].as_str().is_some_and(|r| r.contains("budget")));
            let reason = if failure.reason == "no_model" && over_budget {
                "cost_limit"
            } else {
                failure.reason
            };
            let detail = if reason == "cost_limit" {
                "the next model call could exceed the run's cost limit".to_string()
            } else {
                failure.detail
            };
            Err(RunFailure::new(reason, detail))
        }
        Ok(routed) => {
            let route_ms = elapsed - routed.latency.as_millis() as i64;
            record_step(
                ctx,
                call,
                StepKind::Route,
                StepStatus::Ok,
                routed.decision.to_json(),
                route_ms.max(0),
                None,
            )
            .await?;
            let detail = json!({
                "text": routed.completion.text,
                "tool_calls": routed.completion.tool_calls.iter().map(|c| json!({"id": c.id, "name": c.name, "arguments": c.arguments})).collect::<Vec<_>>(),
                "finish": format!("{:?}", routed.completion.finish).to_lowercase(),
            });
            let step = StepRecord {
                seq: ctx.next_seq(),
                parent: call.parent,
                node: call.node.map(str::to_string),
                kind: StepKind::LlmCall,
                status: StepStatus::Ok,
                provider: Some(routed.model.provider.to_string()),
                model: Some(routed.model.name.to_string()),
                prompt_tokens: routed.completion.usage.prompt_tokens as i64,
                completion_tokens: routed.completion.usage.completion_tokens as i64,
                cost: routed.cost,
                latency_ms: routed.latency.as_millis() as i64,
                detail,
            };
            ctx.record(step)
                .await
                .map_err(|error| RunFailure::internal("recording a step", error))?;
            Ok(routed)
        }
    }
}

/// What one tool call gave: a tool's outcome, or a knowledge search's passages (numbered
/// once every call of the round is back, in call order).
enum Ran {
    Tool(super::tools::ToolOutcome),
    Knowledge(Result<Vec<SearchHit>, String>),
}

async fn run_tools(
    ctx: &RunContext,
    call: &AgentCall<'_>,
    calls: &[ToolCall],
    before: &[Message],
) -> Result<Vec<Message>, RunFailure> {
    let runs = calls.iter().map(|tool_call| {
        let span = spans::tool(&tool_call.name, &tool_call.id);
        async move {
            let started = Instant::now();
            let ran = match (
                call.body.tools.iter().find(|t| t.name() == tool_call.name),
                &call.body.knowledge,
            ) {
                (Some(tool), _) => Ran::Tool(ctx.tools.call(tool, &tool_call.arguments).await),
                (None, Some(use_)) if tool_call.name == KNOWLEDGE_TOOL => {
                    let query = tool_call.arguments["query"]
                        .as_str()
                        .unwrap_or_default()
                        .trim();
                    Ran::Knowledge(if query.is_empty() {
                        Err("invalid arguments: give a `query`".to_string())
                    } else {
                        ctx.tools.search_knowledge(use_, query).await
                    })
                }
                _ => Ran::Tool(super::tools::ToolOutcome::error("unknown tool")),
            };
            if matches!(&ran, Ran::Tool(outcome) if !outcome.ok)
                || matches!(&ran, Ran::Knowledge(Err(_)))
            {
                spans::tool_failed(&Span::current());
            }
            (tool_call, ran, started.elapsed().as_millis() as i64)
        }
        .instrument(span)
    });
    let results = tokio::select! {
        results = futures::future::join_all(runs) => results,
        () = ctx.cancel.cancelled() => return Err(RunFailure::new("cancelled", "the run was cancelled")),
    };
    let mut messages = Vec::new();
    let mut next = knowledge::next_number(before);
    for (tool_call, ran, latency) in results {
        let (ok, output, citations) = match ran {
            Ran::Tool(outcome) => (outcome.ok, outcome.output, None),
            Ran::Knowledge(Ok(hits)) => {
                let (text, citations) = knowledge::cite(&hits, next);
                next += hits.len() as u32;
                (true, text, Some(citations))
            }
            Ran::Knowledge(Err(error)) => (false, error, None),
        };
        let status = if ok {
            StepStatus::Ok
        } else {
            StepStatus::Error
        };
        let mut detail = json!({"call_id": tool_call.id, "tool": tool_call.name, "input": tool_call.arguments, "output": output});
        if let Some(citations) = citations {
            detail["citations"] = citations;
        }
        record_step(ctx, call, StepKind::ToolCall, status, detail, latency, None).await?;
        messages.push(Message::ToolResult {
            call_id: tool_call.id.clone(),
            content: output,
            is_error: !ok,
        });
    }
    Ok(messages)
}

/// Whether the agent is offered the knowledge search as a tool.
fn searches_knowledge(body: &AgentBody) -> bool {
    body.knowledge.as_ref().is_some_and(|k| !k.always)
}

/// An always-retrieving agent's search before its first call, recorded like a tool
/// call (replay leaves it out: no model asked for it); its numbered passages.
async fn retrieve_first(
    ctx: &RunContext,
    call: &AgentCall<'_>,
    use_: &KnowledgeUse,
    query: &str,
) -> Result<String, RunFailure> {
    let started = Instant::now();
    let found = ctx.tools.search_knowledge(use_, query).await;
    let latency = started.elapsed().as_millis() as i64;
    let (status, output, citations) = match found {
        Ok(hits) => {
            let (text, citations) = knowledge::cite(&hits, 1);
            (StepStatus::Ok, text, citations)
        }
        Err(error) => (StepStatus::Error, error, json!([])),
    };
    let detail = json!({"call_id": "retrieve", "tool": KNOWLEDGE_TOOL, "input": {"query": query}, "output": output, "citations": citations, "before_first_call": true});
    record_step(ctx, call, StepKind::ToolCall, status, detail, latency, None).await?;
    if status == StepStatus::Error {
        return Err(RunFailure::new("knowledge_unavailable", output));
    }
    Ok(output)
}

/// Records a broken invariant and turns it into the run's failure.
async fn broken(
    ctx: &RunContext,
    call: &AgentCall<'_>,
    reason: &'static str,
    detail: String,
) -> RunFailure {
    let checks = json!({"checks": [{"rule": reason, "passed": false, "message": detail}]});
    if let Err(error) = record(ctx, call, StepKind::Invariant, StepStatus::Error, checks).await {
        return error;
    }
    RunFailure::new(reason, detail)
}

async fn record(
    ctx: &RunContext,
    call: &AgentCall<'_>,
    kind: StepKind,
    status: StepStatus,
    detail: Value,
) -> Result<(), RunFailure> {
    record_step(ctx, call, kind, status, detail, 0, None).await
}

async fn record_step(
    ctx: &RunContext,
    call: &AgentCall<'_>,
    kind: StepKind,
    status: StepStatus,
    detail: Value,
    latency_ms: i64,
    provider: Option<(&str, &str)>,
) -> Result<(), RunFailure> {
    let step = StepRecord {
        seq: ctx.next_seq(),
        parent: call.parent,
        node: call.node.map(str::to_string),
        kind,
        status,
        provider: provider.map(|p| p.0.to_string()),
        model: provider.map(|p| p.1.to_string()),
        prompt_tokens: 0,
        completion_tokens: 0,
        cost: MicroUsd::ZERO,
        latency_ms,
        detail,
    };
    ctx.record(step)
        .await
        .map_err(|error| RunFailure::internal("recording a step", error))
}

/// Rebuilds the conversation after the prompt from an earlier attempt's recorded steps,
/// so a reclaimed run continues instead of paying for its calls twice.
pub fn replay(steps: &[StepRecord]) -> Vec<Message> {
    let mut messages = Vec::new();
    for step in steps {
        match step.kind {
            StepKind::LlmCall => {
                let calls: Vec<ToolCall> = step.detail["tool_calls"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| ToolCall {
                        id: c["id"].as_str().unwrap_or_default().to_string(),
                        name: c["name"].as_str().unwrap_or_default().to_string(),
                        arguments: c["arguments"].clone(),
                    })
                    .collect();
                // An answer without tool calls ended the agent; it is replayed by the checks.
                if !calls.is_empty() {
                    messages.push(Message::Assistant {
                        text: step.detail["text"].as_str().unwrap_or_default().to_string(),
                        tool_calls: calls,
                    });
                }
            }
            StepKind::ToolCall if step.detail["before_first_call"] == true => {}
            StepKind::ToolCall => messages.push(Message::ToolResult {
                call_id: step.detail["call_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                content: step.detail["output"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                is_error: step.status == StepStatus::Error,
            }),
            _ => {}
        }
    }
    // A tool round is usable only if every call of the last assistant turn has a result.
    while let Some(Message::Assistant { tool_calls, .. }) = messages.last() {
        let _ = tool_calls;
        messages.pop();
    }
    messages
}
