//! From YAML (or JSON, which is YAML) text to a checked [`Spec`], or every error in it.

use marked_yaml::types::Node;
use marked_yaml::{LoadError, LoaderOptions, parse_yaml_with_options};

use super::depth;
use super::errors::{SpecError, SpecErrors};
use super::model::{
    AgentBody, InputDef, InputType, KNOWLEDGE_TOOL, ModelPolicy, NodeKind, Spec, SpecBody,
    TaskType, ToolRef,
};
use super::money::MicroUsd;
use super::parse_invariants::invariants;
use super::parse_knowledge::knowledge;
use super::parse_tools::tools;
use super::parse_workflow::workflow;
use super::reader::{
    At, Errors, Fields, boolean, identifier, integer, non_empty_string, string, string_list,
    to_json,
};
use super::references::check_placeholders;
use crate::catalog::{self, ModelName};

/// Larger specs are refused before parsing: they are almost surely a mistake, and the
/// bound keeps parsing cheap for the live editor and the API.
pub const MAX_SPEC_BYTES: usize = 64 * 1024;
pub const MAX_INSTRUCTIONS_CHARS: usize = 20_000;
/// The most any spec may allow a run to spend.
pub const MAX_RUN_COST: MicroUsd = MicroUsd(100_000_000);

const AGENT_FIELDS: [&str; 9] = [
    "name",
    "description",
    "kind",
    "model",
    "instructions",
    "tools",
    "knowledge",
    "inputs",
    "invariants",
];
const WORKFLOW_FIELDS: [&str; 9] = [
    "name",
    "description",
    "kind",
    "model",
    "inputs",
    "entry",
    "nodes",
    "edges",
    "invariants",
];

/// Parses and checks a spec. Errors come back all at once, in document order.
pub fn parse_spec(text: &str) -> Result<Spec, SpecErrors> {
    let root = load(text)?;
    let mut errors = Errors::default();
    let spec = spec(&root, &mut errors);
    match spec {
        Some(spec) if errors.0.is_empty() => Ok(spec),
        _ => {
            let mut list = errors.0;
            list.sort_by_key(|e| (e.line, e.column));
            Err(SpecErrors(list))
        }
    }
}

/// The spec text as a JSON value, unchecked beyond being YAML: the visual editor reads
/// it this way so that it can show a spec whose errors the user is still fixing.
pub fn spec_to_json(text: &str) -> Result<serde_json::Value, SpecErrors> {
    Ok(to_json(&load(text)?))
}

/// The YAML tree of a spec, after the checks that keep loading it cheap and safe: its
/// size, and its nesting depth (measured without recursion, before the recursive loader
/// runs).
fn load(text: &str) -> Result<Node, SpecErrors> {
    load_checked(text)
}

/// [`load`], for the other readers of a spec's text.
pub(super) fn load_checked(text: &str) -> Result<Node, SpecErrors> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(single(format!(
            "the spec is {} KiB; the limit is {} KiB",
            text.len() / 1024,
            MAX_SPEC_BYTES / 1024
        )));
    }
    depth::check(text)?;
    parse_yaml_with_options(0, text, loader_options()).map_err(load_error)
}

/// Duplicate keys are errors, and quoted scalars stay text (`"60"` is not a number), as
/// YAML means them.
fn loader_options() -> LoaderOptions {
    LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true)
}

fn spec(root: &Node, errors: &mut Errors) -> Option<Spec> {
    let at = At::root(*root.span());
    let kind = root
        .as_mapping()
        .and_then(|map| map.get_scalar("kind"))
        .map(|kind| kind.as_str().to_string());
    let is_workflow = match kind.as_deref() {
        None | Some("agent") => false,
        Some("workflow") => true,
        Some(other) => {
            let at = root
                .as_mapping()
                .and_then(|m| m.get_node("kind"))
                .map(|n| at.field("kind", n.span()))
                .unwrap_or(at.clone());
            errors.add(
                &at,
                format!("unknown kind `{other}`; expected agent or workflow"),
            );
            return None;
        }
    };
    let allowed: &[&str] = if is_workflow {
        &WORKFLOW_FIELDS
    } else {
        &AGENT_FIELDS
    };
    let fields = Fields::of(root, at, allowed, errors)?;

    let name = fields
        .require("name", errors)
        .and_then(|(node, at)| non_empty_string(node, &at, 100, errors));
    let description = fields
        .string("description", 2_000, errors)
        .unwrap_or_default();
    let model_at = fields.get("model").map(|(_, at)| at);
    let model = fields
        .get("model")
        .map(|(node, at)| model_policy(node, at, errors))
        .unwrap_or_default();
    let inputs = fields
        .get("inputs")
        .map(|(node, at)| inputs(node, at, errors))
        .unwrap_or_default();
    let input_names: Vec<&str> = inputs.iter().map(|input| input.name.as_str()).collect();

    let body = if is_workflow {
        SpecBody::Workflow(workflow(&fields, &input_names, errors)?)
    } else {
        SpecBody::Agent(agent_body(&fields, &input_names, &[], errors)?)
    };
    if let Some(at) = model_at {
        check_tool_calling(&model, body_inherits_tools(&body), &at, errors);
    }
    Some(Spec {
        name: name?,
        description,
        model,
        inputs,
        body,
    })
}

/// Whether an agent that takes the spec's own model policy has tools: the agent itself,
/// or a workflow's agent node without a model of its own.
fn body_inherits_tools(body: &SpecBody) -> bool {
    match body {
        SpecBody::Agent(agent) => agent.has_tools(),
        SpecBody::Workflow(workflow) => workflow.nodes.iter().any(|node| {
            matches!(&node.kind, NodeKind::Agent { agent, model: None } if agent.has_tools())
        }),
    }
}

/// The instructions, tools and invariants of an agent, or of an agent node in a workflow
/// (`state_names` are the node ids its instructions may refer to).
pub(super) fn agent_body(
    fields: &Fields<'_>,
    inputs: &[&str],
    state_names: &[&str],
    errors: &mut Errors,
) -> Option<AgentBody> {
    let instructions = fields
        .require("instructions", errors)
        .and_then(|(node, at)| {
            let text = non_empty_string(node, &at, MAX_INSTRUCTIONS_CHARS, errors)?;
            check_placeholders(&text, &at, inputs, state_names, errors);
            Some(text)
        });
    let tools = fields
        .get("tools")
        .map(|(node, at)| tools(node, at, errors))
        .unwrap_or_default();
    let knowledge = match fields.get("knowledge") {
        None => Some(None),
        Some((node, at)) => knowledge(node, at, errors).map(Some),
    };
    let invariants = fields
        .get("invariants")
        .map(|(node, at)| {
            // The knowledge search is one of the agent's tools, for `allowed_tools`.
            let searches = knowledge
                .as_ref()
                .is_some_and(|k| k.as_ref().is_some_and(|k| !k.always));
            let names: Vec<&str> = tools
                .iter()
                .map(ToolRef::name)
                .chain(searches.then_some(KNOWLEDGE_TOOL))
                .collect();
            invariants(node, at, &names, errors)
        })
        .unwrap_or_default();
    Some(AgentBody {
        instructions: instructions?,
        tools,
        invariants,
        knowledge: knowledge?,
    })
}

pub(super) fn model_policy(node: &Node, at: At, errors: &mut Errors) -> ModelPolicy {
    let allowed = [
        "task",
        "name",
        "max_cost_per_run_usd",
        "prefer",
        "temperature",
        "max_output_tokens",
        "history_tokens",
    ];
    let Some(fields) = Fields::of(node, at, &allowed, errors) else {
        return ModelPolicy::default();
    };
    let task = fields.get("task").and_then(|(node, at)| {
        let text = string(node, &at, 40, errors)?;
        let task = TaskType::ALL.into_iter().find(|task| task.as_str() == text);
        if task.is_none() {
            let names: Vec<&str> = TaskType::ALL.iter().map(|task| task.as_str()).collect();
            errors.add(
                &at,
                format!(
                    "unknown task `{text}`; expected one of: {}",
                    names.join(", ")
                ),
            );
        }
        task
    });
    let max_cost_per_run = fields
        .get("max_cost_per_run_usd")
        .and_then(|(node, at)| dollars(node, &at, errors));
    let models = fields
        .get("name")
        .map(|(node, at)| pinned_models(node, &at, errors));
    let prefer = fields.get("prefer").map(|(node, at)| {
        let names = string_list(node, &at, catalog::provider_ids().count(), 40, errors);
        for name in &names {
            if !catalog::provider_ids().any(|id| id == name) {
                let ids: Vec<&str> = catalog::provider_ids().collect();
                errors.add(
                    &at,
                    format!(
                        "unknown provider `{name}`; expected some of: {}",
                        ids.join(", ")
                    ),
                );
            }
        }
        names
    });
    let temperature_centi = fields.get("temperature").and_then(|(node, at)| {
        let value = node
            .as_scalar()
            .and_then(|s| s.as_f64())
            .filter(|t| (0.0..=2.0).contains(t));
        if value.is_none() {
            errors.add(&at, "temperature must be a number from 0 to 2");
        }
        value.map(|t| (t * 100.0).round() as u16)
    });
    let max_output_tokens = fields
        .get("max_output_tokens")
        .and_then(|(node, at)| integer(node, &at, 1, 200_000, errors))
        .map(|n| n as u32);
    let history_tokens = fields
        .get("history_tokens")
        .and_then(|(node, at)| integer(node, &at, MIN_HISTORY_TOKENS, 1_000_000, errors))
        .map(|n| n as u32);
    ModelPolicy {
        task: task.unwrap_or(TaskType::Simple),
        max_cost_per_run,
        prefer: prefer.unwrap_or_default(),
        models: models.unwrap_or_default(),
        temperature_centi,
        max_output_tokens,
        history_tokens,
    }
}

/// The least history a conversation may keep: room for the summary and a turn or two.
pub const MIN_HISTORY_TOKENS: i64 = 500;

/// The most models a spec may pin: a fallback list, not a catalogue.
const MAX_PINNED_MODELS: usize = 5;

/// `name: gpt-4.1-mini` or `name: [gpt-4.1-mini, claude-haiku-4-5]`: models of the
/// catalogue, or `provider/model` for one a provider lists.
fn pinned_models(node: &Node, at: &At, errors: &mut Errors) -> Vec<String> {
    let names = if node.as_sequence().is_some() {
        string_list(node, at, MAX_PINNED_MODELS, 200, errors)
    } else {
        non_empty_string(node, at, 200, errors)
            .into_iter()
            .collect()
    };
    for name in &names {
        if ModelName::parse(name).is_none() {
            errors.add(
                at,
                format!(
                    "unknown model `{name}`; name one of the catalogue ({}) or write \
                     provider/model for a model a provider lists (e.g. local/qwen2.5)",
                    catalog::MODELS
                        .iter()
                        .map(|card| card.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    names
}

/// A spec with tools cannot pin a model that does not call them: the router would
/// have nowhere to send it.
pub(super) fn check_tool_calling(
    policy: &ModelPolicy,
    has_tools: bool,
    at: &At,
    errors: &mut Errors,
) {
    if !has_tools {
        return;
    }
    // Reported at the names, where the editor shows the field.
    let at = at.field("name", &at.span);
    for name in &policy.models {
        if let Some(ModelName::Known(card)) = ModelName::parse(name)
            && !card.abilities.tools
        {
            errors.add(
                &at,
                format!(
                    "`{name}` cannot call tools, and this agent has tools; pin a model \
                     that can, or remove the tools"
                ),
            );
        }
    }
}

/// A positive dollar amount no larger than [`MAX_RUN_COST`].
pub(super) fn dollars(node: &Node, at: &At, errors: &mut Errors) -> Option<MicroUsd> {
    let text = string(node, at, 20, errors)?;
    match MicroUsd::parse_usd(&text) {
        Ok(amount) if amount > MicroUsd::ZERO && amount <= MAX_RUN_COST => Some(amount),
        Ok(_) => {
            errors.add(
                at,
                format!("must be more than $0 and at most {MAX_RUN_COST}"),
            );
            None
        }
        Err(message) => {
            errors.add(at, message);
            None
        }
    }
}

fn inputs(node: &Node, at: At, errors: &mut Errors) -> Vec<InputDef> {
    let Some(fields) = Fields::open(node, at, errors) else {
        return Vec::new();
    };
    if fields.len() > 20 {
        errors.add(&fields.at, "at most 20 inputs are allowed");
    }
    fields
        .entries()
        .take(20)
        .filter_map(|(key, value)| {
            let at = fields.at.field(key.as_str(), key.span());
            identifier(key.as_str(), &at, errors).then_some(())?;
            input(key.as_str(), value, at, errors)
        })
        .collect()
}

fn input(name: &str, node: &Node, at: At, errors: &mut Errors) -> Option<InputDef> {
    let fields = Fields::of(
        node,
        at,
        &["type", "required", "description", "default"],
        errors,
    )?;
    let kind = match fields.string("type", 20, errors).as_deref() {
        None | Some("string") => InputType::String,
        Some("number") => InputType::Number,
        Some("integer") => InputType::Integer,
        Some("boolean") => InputType::Boolean,
        Some(other) => {
            errors.add(
                &fields.at,
                format!(
                    "unknown input type `{other}`; expected string, number, integer or boolean"
                ),
            );
            InputType::String
        }
    };
    let required = fields
        .get("required")
        .and_then(|(node, at)| boolean(node, &at, errors))
        .unwrap_or(false);
    let description = fields
        .string("description", 500, errors)
        .unwrap_or_default();
    let default = fields.get("default").map(|(node, at)| {
        let value = to_json(node);
        if !input_accepts(kind, &value) {
            errors.add(
                &at,
                format!("the default does not match the input's type {kind}"),
            );
        }
        value
    });
    Some(InputDef {
        name: name.to_string(),
        kind,
        required,
        description,
        default,
    })
}

/// Whether a JSON value is acceptable for an input of this type (shared with the engine,
/// which checks run inputs the same way).
pub fn input_accepts(kind: InputType, value: &serde_json::Value) -> bool {
    match kind {
        InputType::String => value.is_string(),
        InputType::Number => value.is_number(),
        InputType::Integer => value.is_i64() || value.is_u64(),
        InputType::Boolean => value.is_boolean(),
    }
}

fn load_error(error: LoadError) -> SpecErrors {
    let (marker, message) = match &error {
        LoadError::TopLevelMustBeMapping(m) => (
            Some(*m),
            "a spec is a mapping of fields such as `name:` and `instructions:`".to_string(),
        ),
        LoadError::UnexpectedAnchor(m) => (
            Some(*m),
            "YAML anchors and aliases are not supported in specs".to_string(),
        ),
        LoadError::MappingKeyMustBeScalar(m) => {
            (Some(*m), "field names must be plain text".to_string())
        }
        LoadError::UnexpectedTag(m) => {
            (Some(*m), "YAML tags are not supported in specs".to_string())
        }
        LoadError::ScanError(m, scan) => (Some(*m), format!("invalid YAML: {}", scan.info())),
        LoadError::DuplicateKey(inner) => (
            inner.key.span().start().copied(),
            format!("`{}` appears twice", inner.key.as_str()),
        ),
        LoadError::TopLevelMustBeSequence(m) => (Some(*m), "unexpected list".to_string()),
    };
    let (line, column) = marker
        .map(|m| (m.line() as u32, m.column() as u32))
        .unwrap_or((0, 0));
    SpecErrors(vec![SpecError {
        path: String::new(),
        line,
        column,
        message,
    }])
}

fn single(message: String) -> SpecErrors {
    SpecErrors(vec![SpecError {
        path: String::new(),
        line: 0,
        column: 0,
        message,
    }])
}

/// Form fields (all text) as typed run inputs, following the spec's input types. Empty
/// optional fields are left out; what cannot be read is reported by name.
pub fn inputs_from_form(
    inputs: &[super::model::InputDef],
    form: &std::collections::HashMap<String, String>,
) -> Result<serde_json::Map<String, serde_json::Value>, Vec<String>> {
    use serde_json::Value;
    let mut values = serde_json::Map::new();
    let mut problems = Vec::new();
    for input in inputs {
        let raw = form.get(&input.name).map(|v| v.trim()).unwrap_or("");
        if raw.is_empty() && input.kind != InputType::Boolean {
            continue;
        }
        let value = match input.kind {
            InputType::String => Some(Value::String(raw.to_string())),
            InputType::Integer => raw.parse::<i64>().ok().map(Value::from),
            InputType::Number => raw
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            InputType::Boolean => Some(Value::Bool(matches!(raw, "on" | "true" | "1"))),
        };
        match value {
            Some(value) => {
                values.insert(input.name.clone(), value);
            }
            None => problems.push(format!("`{}` must be a {}", input.name, input.kind)),
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}
