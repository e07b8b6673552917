//! Runs a workflow graph: ready nodes run in parallel, routers choose which edges are
//! taken, a node runs once every predecessor has finished or been skipped, and nodes
//! no taken edge reaches are skipped. Shared state is every finished node's output.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use app::runs::{RunEvent, StepKind, StepRecord, StepStatus};
use app::spec::references::render;
use app::spec::{AgentBody, Invariants, ModelPolicy, Node, NodeKind, Router, Spec, Workflow};
use serde_json::{Map, Value, json};
use tracing::Instrument;

use super::agent_loop::{AgentCall, RunFailure, run_agent};
use super::context::RunContext;
use super::spans;

/// A finished node: its output and, for routers, the label it chose.
#[derive(Debug, Clone)]
pub struct NodeResult {
    pub output: Value,
    pub label: Option<String>,
}

pub async fn run_workflow(
    ctx: &RunContext,
    spec: &Spec,
    flow: &Workflow,
    inputs: &Map<String, Value>,
    mut finished: HashMap<String, NodeResult>,
) -> Result<Value, RunFailure> {
    let mut skipped: HashSet<String> = HashSet::new();
    let mut last_output = Value::Null;
    loop {
        if ctx.cancel.is_cancelled() {
            return Err(RunFailure::new("cancelled", "the run was cancelled"));
        }
        let taken = taken_edges(flow, &finished);
        let resolved = |id: &str| finished.contains_key(id) || skipped.contains(id);
        let mut ready: Vec<&Node> = Vec::new();
        let mut newly_skipped = Vec::new();
        for node in &flow.nodes {
            if resolved(&node.id)
                || !flow
                    .edges
                    .iter()
                    .filter(|e| e.to == node.id)
                    .all(|e| resolved(&e.from))
            {
                continue;
            }
            let reached =
                node.id == flow.entry || taken.iter().any(|&i| flow.edges[i].to == node.id);
            if reached {
                ready.push(node)
            } else {
                newly_skipped.push(node.id.clone())
            }
        }
        if ready.is_empty() && newly_skipped.is_empty() {
            break;
        }
        skipped.extend(newly_skipped);
        let state = state_of(&finished);
        let runs = ready
            .iter()
            .map(|node| run_node(ctx, spec, flow, node, inputs, &state));
        let results = futures::future::join_all(runs).await;
        for (node, result) in ready.iter().zip(results) {
            let result = result?;
            last_output = result.output.clone();
            finished.insert(node.id.clone(), result);
        }
    }
    Ok(last_output)
}

/// Indexes of edges whose source finished and, for routers, chose the edge's label.
fn taken_edges(flow: &Workflow, finished: &HashMap<String, NodeResult>) -> Vec<usize> {
    flow.edges
        .iter()
        .enumerate()
        .filter(|(_, edge)| {
            finished
                .get(&edge.from)
                .is_some_and(|result| match &edge.when {
                    None => true,
                    Some(label) => result.label.as_deref() == Some(label.as_str()),
                })
        })
        .map(|(i, _)| i)
        .collect()
}

fn state_of(finished: &HashMap<String, NodeResult>) -> HashMap<String, Value> {
    finished
        .iter()
        .map(|(id, result)| (id.clone(), result.output.clone()))
        .collect()
}

async fn run_node(
    ctx: &RunContext,
    spec: &Spec,
    flow: &Workflow,
    node: &Node,
    inputs: &Map<String, Value>,
    state: &HashMap<String, Value>,
) -> Result<NodeResult, RunFailure> {
    let seq = ctx.next_seq();
    let started = Instant::now();
    ctx.recorder.event(RunEvent::NodeStarted {
        node: node.id.clone(),
    });
    let predecessors: Vec<&str> = flow
        .edges
        .iter()
        .filter(|e| e.to == node.id)
        .map(|e| e.from.as_str())
        .collect();
    let result = match &node.kind {
        NodeKind::Join => Ok(NodeResult {
            output: Value::Object(
                predecessors
                    .iter()
                    .filter_map(|p| state.get(*p).map(|v| (p.to_string(), v.clone())))
                    .collect(),
            ),
            label: None,
        }),
        NodeKind::Router(Router::Keywords { routes, default }) => {
            let text = input_text(inputs).to_lowercase();
            let label = routes
                .iter()
                .find(|route| {
                    route
                        .keywords
                        .iter()
                        .any(|k| text.contains(&k.to_lowercase()))
                })
                .map_or(default.clone(), |route| route.label.clone());
            Ok(NodeResult {
                output: json!({"label": label}),
                label: Some(label),
            })
        }
        NodeKind::Router(Router::Llm {
            labels,
            instructions,
        }) => llm_route(ctx, spec, node, seq, labels, instructions, inputs).await,
        NodeKind::Agent { agent, model } => {
            let model = model.as_ref().unwrap_or(&spec.model);
            let call = AgentCall {
                node: Some(&node.id),
                parent: Some(seq),
                model,
                body: agent,
                system: render_instructions(&agent.instructions, inputs, state),
                earlier: Vec::new(),
                prompt: node_prompt(inputs, &predecessors, state),
                history: Vec::new(),
            };
            run_agent(ctx, call)
                .instrument(spans::agent_node(&node.id))
                .await
                .map(|output| NodeResult {
                    output,
                    label: None,
                })
        }
    };
    let (status, detail) = match &result {
        Ok(done) => (
            StepStatus::Ok,
            json!({"node": node.id, "output": done.output, "label": done.label}),
        ),
        Err(failure) => (
            StepStatus::Error,
            json!({"node": node.id, "reason": failure.reason, "message": failure.detail}),
        ),
    };
    let step = StepRecord {
        seq,
        parent: None,
        node: Some(node.id.clone()),
        kind: StepKind::Node,
        status,
        provider: None,
        model: None,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost: app::spec::MicroUsd::ZERO,
        latency_ms: started.elapsed().as_millis() as i64,
        detail,
    };
    ctx.record(step)
        .await
        .map_err(|error| RunFailure::internal("recording a step", error))?;
    result
}

async fn llm_route(
    ctx: &RunContext,
    spec: &Spec,
    node: &Node,
    seq: i32,
    labels: &[String],
    instructions: &str,
    inputs: &Map<String, Value>,
) -> Result<NodeResult, RunFailure> {
    let body = AgentBody {
        instructions: instructions.to_string(),
        tools: Vec::new(),
        invariants: Invariants::default(),
        knowledge: None,
    };
    let model = ModelPolicy {
        task: app::spec::TaskType::Classification,
        max_output_tokens: Some(20),
        ..spec.model.clone()
    };
    let call = AgentCall {
        node: Some(&node.id),
        parent: Some(seq),
        model: &model,
        body: &body,
        system: format!(
            "{instructions}\nAnswer with exactly one of these labels and nothing else: {}",
            labels.join(", ")
        ),
        earlier: Vec::new(),
        prompt: input_text(inputs),
        history: Vec::new(),
    };
    let answer = run_agent(ctx, call).await?;
    let text = answer.as_str().unwrap_or_default().to_lowercase();
    let label = labels
        .iter()
        .find(|label| {
            text.trim()
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '_')
                == label.as_str()
        })
        .or_else(|| labels.iter().find(|label| text.contains(label.as_str())))
        .cloned()
        .ok_or_else(|| {
            RunFailure::new(
                "router_failed",
                format!(
                    "the router's answer “{}” is none of: {}",
                    text.trim(),
                    labels.join(", ")
                ),
            )
        })?;
    Ok(NodeResult {
        output: json!({"label": label}),
        label: Some(label),
    })
}

fn input_text(inputs: &Map<String, Value>) -> String {
    inputs
        .values()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn render_instructions(
    text: &str,
    inputs: &Map<String, Value>,
    state: &HashMap<String, Value>,
) -> String {
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    render(text, |scope, name| match scope {
        "input" => inputs.get(name).map(show),
        "state" => state.get(name).map(show),
        _ => None,
    })
}

/// The user message of a node: the run's input and what its predecessors produced.
fn node_prompt(
    inputs: &Map<String, Value>,
    predecessors: &[&str],
    state: &HashMap<String, Value>,
) -> String {
    let mut prompt = format!("Input:\n{}", Value::Object(inputs.clone()));
    for predecessor in predecessors {
        if let Some(output) = state.get(*predecessor) {
            prompt.push_str(&format!("\n\nFrom {predecessor}:\n{output}"));
        }
    }
    prompt
}
