//! Picks a value out of a JSON document by JSON Pointer (RFC 6901).

use serde_json::Value;

use super::ToolOutcome;

pub fn extract(document: &str, pointer: &str) -> ToolOutcome {
    let value: Value = match serde_json::from_str(document) {
        Ok(value) => value,
        Err(error) => {
            return ToolOutcome::error(format!("the document is not valid JSON: {error}"));
        }
    };
    if !(pointer.is_empty() || pointer.starts_with('/')) {
        return ToolOutcome::error("a JSON Pointer starts with / (e.g. /items/0/name)");
    }
    match value.pointer(pointer) {
        Some(Value::String(text)) => ToolOutcome::ok(text.clone()),
        Some(found) => ToolOutcome::ok(found.to_string()),
        None => ToolOutcome::error(format!("nothing at {pointer}")),
    }
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn extracts_by_pointer() {
        let doc = r#"{"items": [{"name": "a"}, {"n": 2}]}"#;
        assert_eq!(extract(doc, "/items/0/name").output, "a");
        assert_eq!(extract(doc, "/items/1").output, r#"{"n":2}"#);
        assert!(!extract(doc, "/nope").ok);
        assert!(!extract("{", "/a").ok);
        assert!(!extract(doc, "items").ok);
    }
}
