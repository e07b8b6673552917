//! The `invariants:` list — one rule per item, each rule at most once.

use marked_yaml::types::Node;

use super::model::{Assertion, Comparison, Invariants};
use super::parse::dollars;
use super::parse_schema::schema;
use super::reader::{
    At, Errors, Fields, integer, non_empty_string, sequence, string, string_list, to_json,
};

pub const RULES: [&str; 9] = [
    "max_steps",
    "max_cost_usd",
    "max_conversation_cost_usd",
    "max_tokens",
    "output_schema",
    "must_contain",
    "must_not_contain",
    "allowed_tools",
    "assert",
];
pub const MAX_STEPS_LIMIT: i64 = 50;

pub(super) fn invariants(node: &Node, at: At, tools: &[&str], errors: &mut Errors) -> Invariants {
    let mut rules = Invariants::default();
    let Some(list) = sequence(node, &at, 30, errors) else {
        return rules;
    };
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = at.index(i, item.span());
        let Some(fields) = Fields::of(item, at.clone(), &RULES, errors) else {
            continue;
        };
        if fields.len() != 1 {
            errors.add(&at, "each invariant is one rule, e.g. `- max_steps: 8`");
            continue;
        }
        let Some((key, value)) = fields.entries().next() else {
            continue;
        };
        let rule = key.as_str();
        let at = at.field(rule, value.span());
        if rule != "assert" && seen.iter().any(|r| r == rule) {
            errors.add(&at, format!("`{rule}` is given twice"));
            continue;
        }
        seen.push(rule.to_string());
        apply(rule, value, &at, tools, &mut rules, errors);
    }
    rules
}

fn apply(
    rule: &str,
    value: &Node,
    at: &At,
    tools: &[&str],
    rules: &mut Invariants,
    errors: &mut Errors,
) {
    match rule {
        "max_steps" => {
            rules.max_steps = integer(value, at, 1, MAX_STEPS_LIMIT, errors).map(|n| n as u32)
        }
        "max_cost_usd" => rules.max_cost = dollars(value, at, errors),
        "max_conversation_cost_usd" => rules.max_conversation_cost = dollars(value, at, errors),
        "max_tokens" => {
            rules.max_tokens = integer(value, at, 1, 10_000_000, errors).map(|n| n as u64)
        }
        "output_schema" => rules.output_schema = Some(schema(value, at, "schema", errors)),
        "must_contain" => rules.must_contain = string_list(value, at, 20, 200, errors),
        "must_not_contain" => rules.must_not_contain = string_list(value, at, 20, 200, errors),
        "allowed_tools" => {
            let names = string_list(value, at, 20, 64, errors);
            for name in &names {
                if !tools.contains(&name.as_str()) {
                    errors.add(at, format!("`{name}` is not among this agent's tools"));
                }
            }
            rules.allowed_tools = Some(names);
        }
        _ => {
            if let Some(assertion) = assertion(value, at.clone(), errors) {
                rules.asserts.push(assertion);
            }
        }
    }
}

/// `- assert: { path: /novelty_score, op: ">", value: 60, message: "Not novel enough" }`
fn assertion(node: &Node, at: At, errors: &mut Errors) -> Option<Assertion> {
    let fields = Fields::of(node, at, &["path", "op", "value", "message"], errors)?;
    let path = fields.require("path", errors).and_then(|(node, at)| {
        let path = non_empty_string(node, &at, 200, errors)?;
        if !path.starts_with('/') {
            errors.add(
                &at,
                "the path is a JSON Pointer into the answer, e.g. /novelty_score",
            );
            return None;
        }
        Some(path)
    });
    let op = fields.require("op", errors).and_then(|(node, at)| {
        let text = string(node, &at, 2, errors)?;
        let op = Comparison::ALL.into_iter().find(|op| op.symbol() == text);
        if op.is_none() {
            errors.add(&at, "op must be one of >, >=, <, <=, ==, !=");
        }
        op
    });
    let value = fields
        .require("value", errors)
        .map(|(node, _)| to_json(node));
    if let (Some(op), Some(value)) = (op, &value)
        && !matches!(op, Comparison::Eq | Comparison::Ne)
        && !value.is_number()
    {
        errors.add(
            &fields.at,
            format!(
                "`{}` compares numbers; the value must be a number",
                op.symbol()
            ),
        );
    }
    let message = fields.string("message", 200, errors);
    Some(Assertion {
        path: path?,
        op: op?,
        value: value?,
        message,
    })
}
