//! A small value that satisfies a JSON Schema, for requests asking for structured output
//! (OpenAI `response_format: json_schema`): the fake answers in the requested shape with
//! the least values the schema allows, so checks on top of the shape still decide.

use serde_json::{Map, Value, json};

pub(crate) fn instance(schema: &Value) -> Value {
    instance_at(schema, 0)
}

fn instance_at(schema: &Value, depth: usize) -> Value {
    if depth > 16 {
        return Value::Null;
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(first) = schema
        .get("anyOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return instance_at(first, depth + 1);
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.as_str(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match kind {
        "object" => {
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                object.insert(name.clone(), instance_at(property, depth + 1));
            }
            Value::Object(object)
        }
        "array" => {
            let count = schema["minItems"].as_u64().unwrap_or(1).max(1);
            Value::Array(
                (0..count)
                    .map(|_| instance_at(&schema["items"], depth + 1))
                    .collect(),
            )
        }
        "integer" => json!(lower_bound(schema).ceil() as i64),
        "number" => json!(lower_bound(schema)),
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ => {
            let length = schema["minLength"].as_u64().unwrap_or(0) as usize;
            Value::String(format!("{:x<length$}", "sample"))
        }
    }
}

fn lower_bound(schema: &Value) -> f64 {
    match (
        schema["minimum"].as_f64(),
        schema["exclusiveMinimum"].as_f64(),
    ) {
        (_, Some(exclusive)) => exclusive + 1.0,
        (Some(minimum), None) => minimum,
        (None, None) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::instance;

    #[test]
    fn fills_every_property_with_the_least_allowed_value() {
        let schema = json!({
            "type": "object",
            "required": ["score", "verdict"],
            "properties": {
                "score": {"type": "integer", "minimum": 0, "maximum": 100},
                "mrr": {"type": "number", "exclusiveMinimum": 5},
                "verdict": {"type": "string", "enum": ["pursue", "kill"]},
                "sources": {"type": "array", "items": {"type": "string", "minLength": 8}},
                "ok": {"type": "boolean"}
            }
        });
        assert_eq!(
            instance(&schema),
            json!({"score": 0, "mrr": 6.0, "verdict": "pursue", "sources": ["samplexx"], "ok": false})
        );
    }
}
