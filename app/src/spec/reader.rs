//! Walking the parsed YAML tree while collecting every error with its location, so one
//! pass reports all problems instead of stopping at the first.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode, Node, Span};
use serde_json::Value;

use super::errors::SpecError;

/// Where a value sits: its field path and the span of its YAML node.
#[derive(Clone)]
pub(super) struct At {
    pub path: String,
    pub span: Span,
}

impl At {
    pub fn root(span: Span) -> At {
        At {
            path: String::new(),
            span,
        }
    }

    pub fn field(&self, key: &str, span: &Span) -> At {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        At { path, span: *span }
    }

    pub fn index(&self, index: usize, span: &Span) -> At {
        At {
            path: format!("{}[{index}]", self.path),
            span: *span,
        }
    }
}

/// Collects errors; the parse succeeds only when it stays empty.
#[derive(Default)]
pub(super) struct Errors(pub Vec<SpecError>);

impl Errors {
    pub fn add(&mut self, at: &At, message: impl Into<String>) {
        let (line, column) = at
            .span
            .start()
            .map(|m| (m.line() as u32, m.column() as u32))
            .unwrap_or((0, 0));
        self.0.push(SpecError {
            path: at.path.clone(),
            line,
            column,
            message: message.into(),
        });
    }
}

/// A mapping whose keys are checked against the allowed set up front.
pub(super) struct Fields<'a> {
    map: &'a MarkedMappingNode,
    pub at: At,
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping, reporting keys outside `allowed` (unknown fields are
    /// refused so typos never pass silently).
    pub fn of(node: &'a Node, at: At, allowed: &[&str], errors: &mut Errors) -> Option<Fields<'a>> {
        let Some(map) = node.as_mapping() else {
            errors.add(&at, format!("expected a mapping, got {}", describe(node)));
            return None;
        };
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                let at = at.field(key.as_str(), key.span());
                errors.add(
                    &at,
                    format!(
                        "unknown field `{}`; expected one of: {}",
                        key.as_str(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(Fields { map, at })
    }

    /// A mapping with free-form keys (input names, node ids), each checked by the caller.
    pub fn open(node: &'a Node, at: At, errors: &mut Errors) -> Option<Fields<'a>> {
        let Some(map) = node.as_mapping() else {
            errors.add(&at, format!("expected a mapping, got {}", describe(node)));
            return None;
        };
        Some(Fields { map, at })
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn get(&self, key: &str) -> Option<(&'a Node, At)> {
        let node = self.map.get_node(key)?;
        Some((node, self.at.field(key, node.span())))
    }

    /// A required field: reported at the mapping when absent.
    pub fn require(&self, key: &str, errors: &mut Errors) -> Option<(&'a Node, At)> {
        let found = self.get(key);
        if found.is_none() {
            errors.add(&self.at, format!("missing required field `{key}`"));
        }
        found
    }

    pub fn entries(&self) -> impl Iterator<Item = (&'a MarkedScalarNode, &'a Node)> {
        self.map.iter()
    }

    /// A string field: `None` when absent or wrong (wrong is reported).
    pub fn string(&self, key: &str, max_chars: usize, errors: &mut Errors) -> Option<String> {
        let (node, at) = self.get(key)?;
        string(node, &at, max_chars, errors)
    }
}

pub(super) fn describe(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a single value",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

pub(super) fn scalar<'a>(
    node: &'a Node,
    at: &At,
    what: &str,
    errors: &mut Errors,
) -> Option<&'a MarkedScalarNode> {
    let scalar = node.as_scalar();
    if scalar.is_none() {
        errors.add(at, format!("expected {what}, got {}", describe(node)));
    }
    scalar
}

pub(super) fn sequence<'a>(
    node: &'a Node,
    at: &At,
    max_items: usize,
    errors: &mut Errors,
) -> Option<&'a MarkedSequenceNode> {
    let Some(list) = node.as_sequence() else {
        errors.add(at, format!("expected a list, got {}", describe(node)));
        return None;
    };
    if list.len() > max_items {
        errors.add(
            at,
            format!(
                "at most {max_items} items are allowed, found {}",
                list.len()
            ),
        );
        return None;
    }
    Some(list)
}

pub(super) fn string(
    node: &Node,
    at: &At,
    max_chars: usize,
    errors: &mut Errors,
) -> Option<String> {
    let text = scalar(node, at, "text", errors)?.as_str();
    let chars = text.chars().count();
    if chars > max_chars {
        errors.add(
            at,
            format!("must be at most {max_chars} characters (found {chars})"),
        );
        return None;
    }
    Some(text.to_string())
}

pub(super) fn non_empty_string(
    node: &Node,
    at: &At,
    max_chars: usize,
    errors: &mut Errors,
) -> Option<String> {
    let text = string(node, at, max_chars, errors)?;
    if text.trim().is_empty() {
        errors.add(at, "must not be empty");
        return None;
    }
    Some(text)
}

/// A whole number within `min..=max`.
pub(super) fn integer(
    node: &Node,
    at: &At,
    min: i64,
    max: i64,
    errors: &mut Errors,
) -> Option<i64> {
    let value = scalar(node, at, "a whole number", errors)?;
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => Some(n),
        Some(_) => {
            errors.add(at, format!("must be between {min} and {max}"));
            None
        }
        None => {
            errors.add(
                at,
                format!("expected a whole number, got `{}`", value.as_str()),
            );
            None
        }
    }
}

pub(super) fn boolean(node: &Node, at: &At, errors: &mut Errors) -> Option<bool> {
    let value = scalar(node, at, "true or false", errors)?;
    let parsed = value.as_bool();
    if parsed.is_none() {
        errors.add(
            at,
            format!("expected true or false, got `{}`", value.as_str()),
        );
    }
    parsed
}

/// A list of short strings, e.g. keywords or provider names.
pub(super) fn string_list(
    node: &Node,
    at: &At,
    max_items: usize,
    max_chars: usize,
    errors: &mut Errors,
) -> Vec<String> {
    let Some(list) = sequence(node, at, max_items, errors) else {
        return Vec::new();
    };
    list.iter()
        .enumerate()
        .filter_map(|(i, item)| {
            non_empty_string(item, &at.index(i, item.span()), max_chars, errors)
        })
        .collect()
}

/// Identifiers (tool, input, node names): lower-case letters, digits and `_`, starting
/// with a letter, so they are safe in prompts, URLs and function-calling schemas.
pub(super) fn identifier(text: &str, at: &At, errors: &mut Errors) -> bool {
    let mut chars = text.chars();
    let valid = text.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        errors.add(
            at,
            format!(
                "`{text}` must be 1–64 lower-case letters, digits or _, starting with a letter"
            ),
        );
    }
    valid
}

/// A YAML subtree as JSON (for JSON Schemas and defaults). Quoted scalars stay strings;
/// plain ones become null, booleans or numbers when they read as such.
pub(super) fn to_json(node: &Node) -> Value {
    match node {
        Node::Scalar(scalar) => scalar_to_json(scalar),
        Node::Sequence(list) => Value::Array(list.iter().map(to_json).collect()),
        Node::Mapping(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.as_str().to_string(), to_json(value)))
                .collect(),
        ),
    }
}

fn scalar_to_json(scalar: &MarkedScalarNode) -> Value {
    if !scalar.may_coerce() {
        return Value::String(scalar.as_str().to_string());
    }
    let text = scalar.as_str();
    if matches!(text, "null" | "~" | "") {
        return Value::Null;
    }
    if let Some(flag) = scalar.as_bool() {
        return Value::Bool(flag);
    }
    if let Some(n) = scalar.as_i64() {
        return Value::from(n);
    }
    match scalar.as_f64().and_then(serde_json::Number::from_f64) {
        Some(n) if text.chars().any(|c| c.is_ascii_digit()) => Value::Number(n),
        _ => Value::String(text.to_string()),
    }
}
