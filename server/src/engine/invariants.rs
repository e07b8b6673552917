//! Checks on an agent's final answer: phrases it must and must not contain, the JSON
//! Schema of its structured output, and assertions on that output's fields.

use app::spec::json_schema;
use app::spec::{Assertion, Comparison, Invariants};
use serde_json::{Value, json};

/// Why an answer was refused; `reason` is the run's failure code.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub reason: &'static str,
    pub message: String,
    /// A schema failure can be repaired by asking the model once more.
    pub repairable: bool,
}

/// The answer as the run's output, and the list of checks made (for the trace).
pub fn check_answer(rules: &Invariants, text: &str) -> (Result<Value, Broken>, Vec<Value>) {
    let mut checks = Vec::new();
    let result = check(rules, text, &mut checks);
    (result, checks)
}

fn check(rules: &Invariants, text: &str, checks: &mut Vec<Value>) -> Result<Value, Broken> {
    let lower = text.to_lowercase();
    for phrase in &rules.must_contain {
        let passed = lower.contains(&phrase.to_lowercase());
        checks.push(json!({"rule": "must_contain", "phrase": phrase, "passed": passed}));
        if !passed {
            return Err(Broken {
                reason: "must_contain",
                message: format!("the answer does not contain “{phrase}”"),
                repairable: false,
            });
        }
    }
    for phrase in &rules.must_not_contain {
        let passed = !lower.contains(&phrase.to_lowercase());
        checks.push(json!({"rule": "must_not_contain", "phrase": phrase, "passed": passed}));
        if !passed {
            return Err(Broken {
                reason: "must_not_contain",
                message: format!("the answer contains the forbidden phrase “{phrase}”"),
                repairable: false,
            });
        }
    }
    let needs_json = rules.output_schema.is_some() || !rules.asserts.is_empty();
    if !needs_json {
        return Ok(Value::String(text.to_string()));
    }
    let Some(value) = extract_json(text) else {
        checks.push(json!({"rule": "output_schema", "passed": false, "message": "not JSON"}));
        return Err(Broken {
            reason: "output_schema",
            message: "the answer is not a JSON document".into(),
            repairable: true,
        });
    };
    if let Some(schema) = &rules.output_schema {
        let violations = json_schema::validate(schema, &value);
        let passed = violations.is_empty();
        checks.push(json!({"rule": "output_schema", "passed": passed, "message": json_schema::describe(&violations)}));
        if !passed {
            return Err(Broken {
                reason: "output_schema",
                message: format!(
                    "the answer does not match the output schema: {}",
                    json_schema::describe(&violations)
                ),
                repairable: true,
            });
        }
    }
    for assertion in &rules.asserts {
        let passed = holds(assertion, &value);
        checks.push(json!({"rule": "assert", "path": assertion.path, "op": assertion.op.symbol(), "value": assertion.value, "passed": passed}));
        if !passed {
            let message = assertion.message.clone().unwrap_or_else(|| {
                let found = value
                    .pointer(&assertion.path)
                    .map_or("nothing".to_string(), Value::to_string);
                format!(
                    "{} {} {} does not hold (found {found})",
                    assertion.path,
                    assertion.op.symbol(),
                    assertion.value
                )
            });
            return Err(Broken {
                reason: "assertion",
                message,
                repairable: false,
            });
        }
    }
    Ok(value)
}

fn holds(assertion: &Assertion, value: &Value) -> bool {
    let Some(found) = value.pointer(&assertion.path) else {
        return false;
    };
    match assertion.op {
        Comparison::Eq => found == &assertion.value,
        Comparison::Ne => found != &assertion.value,
        op => match (found.as_f64(), assertion.value.as_f64()) {
            (Some(a), Some(b)) => match op {
                Comparison::Gt => a > b,
                Comparison::Ge => a >= b,
                Comparison::Lt => a < b,
                _ => a <= b,
            },
            _ => false,
        },
    }
}

/// Models wrap JSON in prose or code fences; take the outermost object or array.
pub fn extract_json(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if let Ok(value) = serde_json::from_str(trimmed) {
        return Some(value);
    }
    let start = trimmed.find(['{', '['])?;
    let end = trimmed.rfind(['}', ']'])?;
    (end > start)
        .then(|| serde_json::from_str(&trimmed[start..=end]).ok())
        .flatten()
}

/// The message that asks the model for one corrected answer.
pub fn repair_prompt(rules: &Invariants, broken: &Broken) -> String {
    let schema = rules
        .output_schema
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    format!(
        "Your previous answer was rejected: {}. Reply again with only a JSON document that matches this JSON Schema, and nothing else:\n{schema}",
        broken.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(yaml_rules: &str) -> Invariants {
        let text = format!("name: t\ninstructions: x\ninvariants:\n{yaml_rules}");
        match app::spec::parse_spec(&text).expect("spec").body {
            app::spec::SpecBody::Agent(agent) => agent.invariants,
            app::spec::SpecBody::Workflow(_) => panic!("agent"),
        }
    }

    #[test]
    fn phrases() {
        let r = rules("  - must_contain: [Sources]\n  - must_not_contain: [guaranteed returns]\n");
        assert!(check_answer(&r, "answer. sources: x").0.is_ok());
        assert_eq!(
            check_answer(&r, "answer").0.expect_err("broken").reason,
            "must_contain"
        );
        assert_eq!(
            check_answer(&r, "Sources: GUARANTEED returns")
                .0
                .expect_err("broken")
                .reason,
            "must_not_contain"
        );
    }

    #[test]
    fn schema_and_asserts() {
        let r = rules(
            "  - output_schema: {type: object, required: [score]}\n  - assert: {path: /score, op: '>', value: 60}\n",
        );
        let (ok, checks) = check_answer(&r, "Here you go:\n```json\n{\"score\": 75}\n```");
        assert_eq!(ok.expect("valid")["score"], 75);
        assert_eq!(checks.len(), 2);
        let broken = check_answer(&r, "{\"points\": 1}").0.expect_err("broken");
        assert!(broken.repairable && broken.reason == "output_schema");
        let broken = check_answer(&r, "{\"score\": 12}").0.expect_err("broken");
        assert_eq!(broken.reason, "assertion");
        assert!(
            check_answer(&r, "no json")
                .0
                .expect_err("broken")
                .repairable
        );
    }
}
