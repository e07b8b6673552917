//! The `tools:` list: built-in tool names, or custom HTTP tools declared in full.

use marked_yaml::types::Node;

use super::model::{BuiltinTool, CUSTOM_TOOL_FIELDS, CustomTool, SecretHeader, ToolRef};
use super::parse_schema::schema;
use super::reader::{At, Errors, Fields, identifier, non_empty_string, sequence};

pub const MAX_TOOLS: usize = 20;
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

pub(super) fn tools(node: &Node, at: At, errors: &mut Errors) -> Vec<ToolRef> {
    let Some(list) = sequence(node, &at, MAX_TOOLS, errors) else {
        return Vec::new();
    };
    let mut tools: Vec<ToolRef> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = at.index(i, item.span());
        let tool = match item {
            Node::Scalar(name) => builtin(name.as_str(), &at, errors),
            _ => custom(item, at.clone(), errors).map(ToolRef::Custom),
        };
        let Some(tool) = tool else { continue };
        if tools.iter().any(|seen| seen.name() == tool.name()) {
            errors.add(&at, format!("tool `{}` is listed twice", tool.name()));
            continue;
        }
        tools.push(tool);
    }
    tools
}

fn builtin(name: &str, at: &At, errors: &mut Errors) -> Option<ToolRef> {
    let tool = BuiltinTool::from_name(name);
    if tool.is_none() {
        let names: Vec<&str> = BuiltinTool::ALL.iter().map(|t| t.name()).collect();
        errors.add(at, format!("unknown tool `{name}`; built-in tools are {}, or declare a custom HTTP tool as a mapping", names.join(", ")));
    }
    tool.map(|tool| ToolRef::Builtin { tool })
}

fn custom(node: &Node, at: At, errors: &mut Errors) -> Option<CustomTool> {
    let fields = Fields::of(node, at, &CUSTOM_TOOL_FIELDS, errors)?;
    let name = fields.require("name", errors).and_then(|(node, at)| {
        let name = non_empty_string(node, &at, 64, errors)?;
        if BuiltinTool::from_name(&name).is_some() {
            errors.add(
                &at,
                format!("`{name}` is a built-in tool; give the custom tool another name"),
            );
            return None;
        }
        identifier(&name, &at, errors).then_some(name)
    });
    let description = fields
        .require("description", errors)
        .and_then(|(node, at)| non_empty_string(node, &at, 1_000, errors));
    let method = match fields.string("method", 10, errors) {
        None => Some("GET".to_string()),
        Some(method) if METHODS.contains(&method.to_uppercase().as_str()) => {
            Some(method.to_uppercase())
        }
        Some(other) => {
            errors.add(
                &fields.at,
                format!(
                    "unknown method `{other}`; expected one of {}",
                    METHODS.join(", ")
                ),
            );
            None
        }
    };
    let url = fields.require("url", errors).and_then(|(node, at)| {
        let url = non_empty_string(node, &at, 2_000, errors)?;
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            errors.add(&at, "the URL must start with https:// or http://");
            return None;
        }
        Some(url)
    });
    let parameters = match fields.get("parameters") {
        None => serde_json::json!({"type": "object", "properties": {}}),
        Some((node, at)) => {
            let schema = schema(node, &at, "parameters schema", errors);
            if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
                errors.add(&at, "parameters must be a JSON Schema with `type: object`");
            }
            schema
        }
    };
    let headers = fields
        .get("headers")
        .map(|(node, at)| headers(node, at, errors))
        .unwrap_or_default();
    if let (Some(url), Some(_)) = (&url, fields.get("parameters")) {
        check_url_placeholders(url, &parameters, &fields.at, errors);
    }
    Some(CustomTool {
        name: name?,
        description: description?,
        method: method?,
        url: url?,
        parameters,
        headers,
    })
}

/// Headers carry secrets by reference only: `Authorization: { secret: CRM_TOKEN, prefix: "Bearer " }`.
fn headers(node: &Node, at: At, errors: &mut Errors) -> Vec<SecretHeader> {
    let Some(fields) = Fields::open(node, at, errors) else {
        return Vec::new();
    };
    let mut headers = Vec::new();
    for (key, value) in fields.entries().take(10) {
        let at = fields.at.field(key.as_str(), key.span());
        let name = key.as_str();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            errors.add(&at, format!("`{name}` is not a valid header name"));
            continue;
        }
        if value.as_scalar().is_some() {
            errors.add(&at, "header values are never written in a spec; reference a team secret: { secret: NAME }");
            continue;
        }
        let Some(header) = Fields::of(value, at, &["secret", "prefix"], errors) else {
            continue;
        };
        let secret = header.require("secret", errors).and_then(|(node, at)| {
            let secret = non_empty_string(node, &at, 64, errors)?;
            let valid = secret
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                errors.add(
                    &at,
                    "secret names are upper-case letters, digits and _ (e.g. CRM_TOKEN)",
                );
            }
            valid.then_some(secret)
        });
        let prefix = header.string("prefix", 40, errors).unwrap_or_default();
        if let Some(secret) = secret {
            headers.push(SecretHeader {
                name: name.to_string(),
                secret,
                prefix,
            });
        }
    }
    headers
}

/// Every `{param}` in the URL must be a declared parameter.
fn check_url_placeholders(url: &str, parameters: &serde_json::Value, at: &At, errors: &mut Errors) {
    let properties = parameters.get("properties").and_then(|p| p.as_object());
    for piece in url.split('{').skip(1) {
        let Some((name, _)) = piece.split_once('}') else {
            continue;
        };
        if !properties.is_some_and(|p| p.contains_key(name)) {
            errors.add(
                at,
                format!("the URL uses `{{{name}}}` but no parameter is named `{name}`"),
            );
        }
    }
}
