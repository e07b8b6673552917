//! Reading YAML into the form. Lenient about values (a wrong one is shown as typed, and
//! the validator reports it at its field) but strict about shape: what the form has no
//! place for is refused with a message, so switching tabs never drops part of a spec.

use serde_json::{Map, Value};

use super::draft::{
    AssertDraft, CustomToolDraft, HeaderDraft, InputDraft, KnowledgeDraft, ModelDraft, Rule,
    RuleDraft, SpecDraft,
};
use crate::spec::{CUSTOM_TOOL_FIELDS, spec_to_json};

/// Fields a workflow has that the form leaves to the YAML tab.
const KEPT_FIELDS: [&str; 3] = ["entry", "nodes", "edges"];

type Read<T> = Result<T, String>;

impl SpecDraft {
    pub fn from_yaml(text: &str) -> Read<SpecDraft> {
        let value = spec_to_json(text).map_err(|errors| {
            format!("The YAML cannot be read yet ({errors}); fix it in the YAML tab.")
        })?;
        let Value::Object(root) = value else {
            return Err("A spec is a mapping of fields such as `name:`.".into());
        };
        let mut draft = SpecDraft::default();
        draft.workflow = text_of(root.get("kind")) == "workflow";
        for (key, value) in &root {
            match key.as_str() {
                "name" => draft.name = text_of(Some(value)),
                "description" => draft.description = text_of(Some(value)),
                "kind" => {}
                "model" => draft.model = model(value)?,
                "instructions" => draft.instructions = text_of(Some(value)),
                "tools" => read_tools(&mut draft, value)?,
                "inputs" => read_inputs(&mut draft, value)?,
                "invariants" => read_rules(&mut draft, value)?,
                kept if draft.workflow && KEPT_FIELDS.contains(&kept) => {
                    draft.kept.push((key.clone(), value.clone()))
                }
                "knowledge" => draft.knowledge = knowledge(value)?,
                other => return Err(no_place(other)),
            }
        }
        if draft.model.task.is_empty() {
            // What the validator assumes when `model.task` is absent.
            draft.model.task = "simple".into();
        }
        Ok(draft)
    }
}

fn no_place(field: &str) -> String {
    format!("The form has no place for `{field}`; edit or remove it in the YAML tab.")
}

/// A scalar as the text a person would type; absent or null is empty.
fn text_of(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn mapping<'a>(value: &'a Value, what: &str) -> Read<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| format!("`{what}` should be a mapping; fix it in the YAML tab."))
}

fn list<'a>(value: &'a Value, what: &str) -> Read<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| format!("`{what}` should be a list; fix it in the YAML tab."))
}

fn only(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Read<()> {
    match map.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(no_place(&format!("{what}.{key}"))),
        None => Ok(()),
    }
}

fn words(value: Option<&Value>, what: &str) -> Read<Vec<String>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(value) => Ok(list(value, what)?
            .iter()
            .map(|item| text_of(Some(item)))
            .collect()),
    }
}

/// `knowledge: [a, b]`, or the mapping with `bases`, `mode`, `results` and `retrieval`.
fn knowledge(value: &Value) -> Read<KnowledgeDraft> {
    if value.is_array() {
        return Ok(KnowledgeDraft {
            bases: words(Some(value), "knowledge")?,
            ..KnowledgeDraft::default()
        });
    }
    let map = mapping(value, "knowledge")?;
    only(map, &["bases", "mode", "results", "retrieval"], "knowledge")?;
    Ok(KnowledgeDraft {
        bases: words(map.get("bases"), "knowledge.bases")?,
        mode: text_of(map.get("mode")),
        results: text_of(map.get("results")),
        retrieval: text_of(map.get("retrieval")),
    })
}

fn model(value: &Value) -> Read<ModelDraft> {
    let map = mapping(value, "model")?;
    only(
        map,
        &[
            "task",
            "name",
            "max_cost_per_run_usd",
            "prefer",
            "temperature",
            "max_output_tokens",
            "history_tokens",
        ],
        "model",
    )?;
    Ok(ModelDraft {
        task: text_of(map.get("task")),
        models: match map.get("name") {
            Some(Value::Array(_)) => words(map.get("name"), "model.name")?.join(", "),
            one => text_of(one),
        },
        max_cost: text_of(map.get("max_cost_per_run_usd")),
        prefer: words(map.get("prefer"), "model.prefer")?,
        temperature: text_of(map.get("temperature")),
        max_output_tokens: text_of(map.get("max_output_tokens")),
        history_tokens: text_of(map.get("history_tokens")),
    })
}

fn read_tools(draft: &mut SpecDraft, value: &Value) -> Read<()> {
    let items = list(value, "tools")?;
    // The form writes built-in tools before custom ones (their order does not matter to
    // the engine), so error paths match the form once it has written the YAML.
    for item in items {
        match item {
            Value::Object(map) => {
                only(map, &CUSTOM_TOOL_FIELDS, "tools[]")?;
                let key = draft.new_key();
                let tool = CustomToolDraft {
                    key,
                    name: text_of(map.get("name")),
                    description: text_of(map.get("description")),
                    method: text_of(map.get("method")),
                    url: text_of(map.get("url")),
                    parameters: map.get("parameters").map(pretty_json).unwrap_or_default(),
                    headers: headers(map.get("headers"))?,
                };
                draft.custom_tools.push(tool);
            }
            other => draft.builtin_tools.push(text_of(Some(other))),
        }
    }
    Ok(())
}

fn headers(value: Option<&Value>) -> Read<Vec<HeaderDraft>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    mapping(value, "headers")?
        .iter()
        .map(|(name, header)| {
            let fields = mapping(header, &format!("headers.{name}"))?;
            only(fields, &["secret", "prefix"], &format!("headers.{name}"))?;
            Ok(HeaderDraft {
                name: name.clone(),
                secret: text_of(fields.get("secret")),
                prefix: text_of(fields.get("prefix")),
            })
        })
        .collect()
}

fn read_inputs(draft: &mut SpecDraft, value: &Value) -> Read<()> {
    for (name, input) in mapping(value, "inputs")? {
        let what = format!("inputs.{name}");
        let fields = mapping(input, &what)?;
        only(
            fields,
            &["type", "required", "description", "default"],
            &what,
        )?;
        let key = draft.new_key();
        draft.inputs.push(InputDraft {
            key,
            name: name.clone(),
            kind: match text_of(fields.get("type")) {
                kind if kind.is_empty() => "string".into(),
                kind => kind,
            },
            required: fields.get("required") == Some(&Value::Bool(true)),
            description: text_of(fields.get("description")),
            default: text_of(fields.get("default")),
        });
    }
    Ok(())
}

fn read_rules(draft: &mut SpecDraft, value: &Value) -> Read<()> {
    for item in list(value, "invariants")? {
        let map = mapping(item, "invariants[]")?;
        let mut entries = map.iter();
        let (Some((key, value)), None) = (entries.next(), entries.next()) else {
            return Err(
                "Each invariant is one rule, e.g. `- max_steps: 8`; fix it in the YAML tab.".into(),
            );
        };
        let rule = match key.as_str() {
            "max_steps" => Rule::MaxSteps(text_of(Some(value))),
            "max_cost_usd" => Rule::MaxCost(text_of(Some(value))),
            "max_tokens" => Rule::MaxTokens(text_of(Some(value))),
            "max_conversation_cost_usd" => Rule::MaxConversationCost(text_of(Some(value))),
            "output_schema" => Rule::OutputSchema(pretty_json(value)),
            "must_contain" => Rule::MustContain(words(Some(value), key)?.join("\n")),
            "must_not_contain" => Rule::MustNotContain(words(Some(value), key)?.join("\n")),
            "allowed_tools" => Rule::AllowedTools(words(Some(value), key)?),
            "assert" => {
                let fields = mapping(value, "assert")?;
                only(fields, &["path", "op", "value", "message"], "assert")?;
                Rule::Assert(AssertDraft {
                    path: text_of(fields.get("path")),
                    op: text_of(fields.get("op")),
                    value: fields.get("value").map(value_text).unwrap_or_default(),
                    message: text_of(fields.get("message")),
                })
            }
            other => return Err(no_place(&format!("invariants.{other}"))),
        };
        let key = draft.new_key();
        draft.rules.push(RuleDraft { key, rule });
    }
    Ok(())
}

/// A value as it is typed in a box: text as is, anything else as JSON (so `"60"` and
/// `60` stay different).
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) if serde_json::from_str::<Value>(text).is_err() => text.clone(),
        other => other.to_string(),
    }
}

fn pretty_json(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
