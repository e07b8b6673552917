//! How user schemas are checked and JSON is validated against them: what is accepted,
//! what is refused and how each problem reads. The standard itself is checked by
//! `official_suite`.

use serde_json::{Value, json};

use super::*;

/// Issues as `path|message` strings, in the order reported.
fn issues(schema: Value) -> Vec<String> {
    check_schema(&schema)
        .into_iter()
        .map(|issue| format!("{}|{}", issue.path, issue.message))
        .collect()
}

/// Violations as `path|message` strings, in the order reported.
fn violations(schema: &Value, instance: Value) -> Vec<String> {
    assert_eq!(check_schema(schema), vec![], "test schema must be valid");
    validate(schema, &instance)
        .into_iter()
        .map(|v| format!("{}|{}", v.path, v.message))
        .collect()
}

fn only(found: &[String]) -> &str {
    assert_eq!(found.len(), 1, "expected one entry, got {found:#?}");
    &found[0]
}

/// What structured outputs and OpenAPI-derived tools use every day, and the old subset
/// refused: references, composition, patterns, formats, tuples, conditionals.
fn everyday_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "source": {
                "type": "object",
                "required": ["url"],
                "properties": {
                    "url": { "type": "string", "format": "uri" },
                    "published": { "type": "string", "format": "date" }
                },
                "additionalProperties": false
            }
        },
        "type": "object",
        "required": ["answer", "sources", "contact"],
        "properties": {
            "answer": { "type": "string", "minLength": 1 },
            "sources": { "type": "array", "items": { "$ref": "#/$defs/source" }, "minItems": 1 },
            "contact": { "oneOf": [
                { "type": "string", "format": "email" },
                { "type": "string", "pattern": "^\\+[0-9]{6,15}$" }
            ] },
            "range": { "type": "array", "prefixItems": [{ "type": "number" }, { "type": "number" }], "items": false },
            "kind": { "enum": ["a", "b"] }
        },
        "if": { "properties": { "kind": { "const": "b" } }, "required": ["kind"] },
        "then": { "required": ["range"] },
        "x-vendor-hint": "unknown keywords are annotations"
    })
}

#[test]
fn accepts_the_schemas_people_write() {
    assert_eq!(check_schema(&everyday_schema()), vec![]);
    for schema in [
        json!(true),
        json!(false),
        json!({}),
        json!({ "allOf": [{ "not": { "type": "null" } }] }),
    ] {
        assert_eq!(check_schema(&schema), vec![], "{schema}");
    }
    // An earlier draft, when the schema says so.
    let draft7 = json!({ "$schema": "http://json-schema.org/draft-07/schema#", "items": [{ "type": "string" }] });
    assert_eq!(check_schema(&draft7), vec![]);
}

#[test]
fn reports_what_is_wrong_with_a_schema_and_where() {
    let found = issues(json!({ "type": "objekt" }));
    let found = only(&found);
    assert!(found.starts_with("/type|"), "{found}");
    assert!(
        found.contains("'object'"),
        "the message lists the type names: {found}"
    );

    assert!(only(&issues(json!({ "required": [1] }))).starts_with("/required/0|"));
    assert!(only(&issues(json!({ "properties": { "a/b": 3 } }))).starts_with("/properties/a~1b|"));
    assert!(only(&issues(json!({ "minLength": -1 }))).starts_with("/minLength|"));
    let found = issues(json!("object"));
    assert!(only(&found).starts_with("|"), "{found:?}");
}

#[test]
fn reports_every_problem_at_once() {
    let found = issues(json!({ "type": 5, "properties": { "a": { "minItems": "x" } } }));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found.iter().any(|f| f.starts_with("/type|")));
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("/properties/a/minItems|"))
    );
}

#[test]
fn a_regular_expression_that_does_not_compile_is_named() {
    let found =
        issues(json!({ "properties": { "code": { "type": "string", "pattern": "([a-z]" } } }));
    let found = only(&found);
    assert!(found.starts_with("/properties/code/pattern|"), "{found}");
    assert!(
        found.contains("'([a-z]' is not a valid regex: unclosed group"),
        "{found}"
    );
}

#[test]
fn nothing_outside_the_schema_is_fetched_or_read() {
    for (reference, shown) in [
        (
            "https://example.com/customer.json",
            "https://example.com/customer.json",
        ),
        ("customer.json", "customer.json"),
        ("file:///etc/passwd", "file:///etc/passwd"),
    ] {
        let found = issues(json!({ "$ref": reference }));
        let found = only(&found);
        assert!(
            found.contains(&format!("`{shown}` cannot be followed")),
            "{found}"
        );
        assert!(
            !found.contains("agent-factory.invalid"),
            "our base address stays hidden: {found}"
        );
    }
    let found = issues(json!({ "$ref": "#/$defs/missing" }));
    assert!(
        only(&found).contains("`#/$defs/missing` points at nothing"),
        "{found:?}"
    );
    let found = issues(json!({ "$schema": "https://example.com/my-own-draft" }));
    assert!(
        only(&found).starts_with("/$schema|`$schema` names"),
        "{found:?}"
    );
}

#[test]
fn nesting_is_bounded_without_recursion() {
    let mut deep = json!({ "type": "string" });
    for _ in 0..MAX_DEPTH {
        deep = json!({ "items": deep });
    }
    let found = issues(deep.clone());
    let found = only(&found);
    assert!(
        found.contains(&format!("more than {MAX_DEPTH} levels")),
        "{found}"
    );
    assert!(found.starts_with("/items/items/"), "{found}");
    // Far deeper than any stack would survive recursing into.
    // (Built by hand: `json!` would copy the whole value at every level, recursively.)
    let mut very_deep = json!(1);
    for _ in 0..100_000 {
        very_deep = Value::Array(vec![very_deep]);
    }
    assert_eq!(check_schema(&very_deep).len(), 1);
    assert_eq!(validate(&very_deep, &json!(1)).len(), 1);
    // Keep the drop from recursing on the test thread's stack, too.
    std::mem::forget(very_deep);
}

#[test]
fn a_valid_answer_has_no_violations() {
    let answer = json!({
        "answer": "42",
        "sources": [{ "url": "https://a.example/x", "published": "2026-12-01" }],
        "contact": "+4930123456",
        "kind": "b",
        "range": [1, 2.5]
    });
    assert_eq!(violations(&everyday_schema(), answer), Vec::<String>::new());
}

#[test]
fn violations_name_the_place_in_the_answer() {
    let answer = json!({
        "answer": "",
        "sources": [{ "url": "https://a.example/x", "extra": 1 }],
        "contact": "someone",
        "kind": "b"
    });
    let mut found = violations(&everyday_schema(), answer);
    found.sort();
    let paths: Vec<&str> = found.iter().map(|f| f.split('|').next().unwrap()).collect();
    assert_eq!(
        paths,
        ["/answer", "/contact", "/sources/0", ""],
        "{found:#?}"
    );
    assert!(
        found[3].contains("'range'"),
        "then: range is required: {found:#?}"
    );
    assert!(found[2].contains("'extra'"), "{found:#?}");
    // The alternatives of a oneOf are one entry, each complaint joined by "or".
    assert!(
        found[1].contains("matches none of the alternatives"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("not a valid email") && found[1].contains("; or "),
        "{found:#?}"
    );
}

#[test]
fn formats_are_asserted_on_answers() {
    let schema = json!({ "type": "object", "properties": {
        "when": { "type": "string", "format": "date-time" },
        "id": { "type": "string", "format": "uuid" }
    } });
    let found = violations(&schema, json!({ "when": "yesterday", "id": "123" }));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("/when|") || found[1].starts_with("/when|"));
    let ok =
        json!({ "when": "2026-12-05T10:00:00Z", "id": "67e55044-10b1-426f-9247-bb680e5fe0c8" });
    assert_eq!(violations(&schema, ok), Vec::<String>::new());
}

#[test]
fn a_flood_of_violations_is_cut_short() {
    let schema = json!({ "type": "array", "items": { "type": "string" } });
    let found = violations(&schema, Value::Array(vec![json!(1); 500]));
    assert_eq!(found.len(), 20);
}

#[test]
fn an_unchecked_broken_schema_lets_nothing_through() {
    let found = validate(&json!({ "type": "objekt" }), &json!({}));
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("schema itself is invalid"));
}

#[test]
fn describes_one_line_per_violation() {
    let found = validate(
        &json!({ "type": "object", "required": ["sources"], "properties": { "sources": { "type": "array" } } }),
        &json!({ "sources": "x" }),
    );
    assert_eq!(describe(&found), "/sources: want array, but got string");
    let both = [
        Violation {
            path: String::new(),
            message: "missing properties 'sources'".into(),
        },
        Violation {
            path: "/sources/0".into(),
            message: "want string, but got number".into(),
        },
    ];
    assert_eq!(
        describe(&both),
        "missing properties 'sources'\n/sources/0: want string, but got number"
    );
    assert_eq!(describe(&[]), "");
    // Hostile property names cannot break the one-line-per-violation format.
    let closed = json!({ "additionalProperties": false });
    let text = describe(&validate(&closed, &json!({ "a\nb": 1 })));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("a\\nb"), "{text}");
}
