//! A small JSON Schema subset: checking the schemas users write (an agent's
//! `output_schema`, a custom HTTP tool's parameters) and validating JSON against them.
//! Compiled into the browser's WASM bundle as well as the server, so deliberately small:
//! no regex engine, no `$ref` resolution, no `format` validation, only `serde_json`.
//!
//! # Supported subset
//!
//! A schema is an object or one of the boolean schemas `true` (anything) and `false`
//! (nothing). These keywords are supported:
//!
//! - `type`: a type name or a non-empty array of them: `object`, `array`, `string`,
//!   `number`, `integer`, `boolean`, `null`. `integer` means a number with no fractional
//!   part, so `2.0` is an integer; `number` also accepts integers.
//! - `properties` (an object of schemas), `required` (an array of unique property names),
//!   `additionalProperties` (a schema, including `false` to forbid unlisted properties).
//! - `items`: one schema that every element must satisfy (tuple form is not supported).
//! - `enum` (a non-empty array of allowed values) and `const` (the only allowed value).
//!   Numbers compare by value, so `1` equals `1.0`.
//! - `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`: numbers.
//! - `minLength`, `maxLength` (counted in Unicode scalar values, i.e. `char`s) and
//!   `minItems`, `maxItems`: non-negative integers.
//! - `anyOf`: a non-empty array of schemas, at least one of which must match.
//! - Annotations, accepted and ignored: `title`, `description`, `$comment`, `$schema`
//!   (strings), `examples` (an array) and `default` (any value).
//!
//! Any other keyword is reported by [`check_schema`] as unsupported rather than silently
//! ignored, so that a user never believes a constraint such as `pattern` is enforced when
//! it is not. Schemas may nest at most 32 levels deep (the root counts as level 1), which
//! also bounds the recursion of [`validate`].
//!
//! Paths in [`SchemaIssue`] and [`Violation`] are JSON Pointers (RFC 6901): `""` is the
//! whole document, `~` and `/` inside names are escaped as `~0` and `~1`.

use std::cmp::Ordering::{self, Equal, Greater, Less};

use serde_json::{Map, Number, Value};

/// Deepest nesting of schemas accepted; keeps recursion bounded on small WASM stacks.
const MAX_DEPTH: usize = 32;

const TYPE_NAMES: &str = "object, array, string, number, integer, boolean, null";

/// Listed in the "unsupported keyword" message so users can fix their schema unaided.
const SUPPORTED: &str = "type, properties, required, additionalProperties, items, enum, \
    const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, \
    minItems, maxItems, anyOf, title, description, default, examples, $schema, $comment";

/// A schema object, or an object instance.
type Object = Map<String, Value>;

/// Keeps "must be one of" messages readable when an enum is long.
const MAX_LISTED_VALUES: usize = 20;

/// A problem with the schema itself, found when a spec is saved. `path` is a JSON Pointer
/// into the schema (`""` = root, e.g. `"/properties/answer/type"`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaIssue {
    pub path: String,
    pub message: String,
}

/// An instance that does not satisfy a schema. `path` is a JSON Pointer into the instance
/// (`""` = the whole value, e.g. `"/sources/0"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub path: String,
    pub message: String,
}

/// Checks that `schema` is a well-formed schema in the supported subset. Returns every
/// issue (empty = fine).
#[must_use]
pub fn check_schema(schema: &Value) -> Vec<SchemaIssue> {
    let mut checker = Checker(Vec::new());
    checker.node(schema, "", 1);
    checker.0
}

/// Validates `instance` against an already checked schema, returning every violation
/// (empty = valid).
///
/// An unchecked schema never panics: keywords that are unknown or have values of the wrong
/// type are ignored, and nesting beyond the depth limit is reported rather than followed.
#[must_use]
pub fn validate(schema: &Value, instance: &Value) -> Vec<Violation> {
    let mut validator = Validator(Vec::new());
    validator.node(schema, instance, "", 1);
    validator.0
}

/// One line per violation, e.g. `"/sources: expected array, got string"`, for feeding back
/// to an LLM in a repair prompt and for failure details. A violation of the whole value is
/// just its message: a bare ": " in front would only confuse the reader.
#[must_use]
pub fn describe(violations: &[Violation]) -> String {
    let mut text = String::new();
    for (index, Violation { path, message }) in violations.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        let separator = if path.is_empty() { "" } else { ": " };
        // Property names come from untrusted JSON and may hold line breaks; escaping
        // control characters keeps the promise of one line per violation.
        for c in path.chars().chain(separator.chars()).chain(message.chars()) {
            if c.is_control() {
                text.extend(c.escape_default());
            } else {
                text.push(c);
            }
        }
    }
    text
}

// ---------------------------------------------------------------------------------------
// Checking schemas

struct Checker(Vec<SchemaIssue>);

impl Checker {
    fn report(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(SchemaIssue {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn node(&mut self, schema: &Value, path: &str, depth: usize) {
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(_) => return,
            other => {
                let got = type_name(other);
                let message = format!("a schema must be an object or true/false, got {got}");
                return self.report(path, message);
            }
        };
        if depth > MAX_DEPTH {
            let message = format!("schema is nested more than {MAX_DEPTH} levels deep");
            return self.report(path, message);
        }
        for (key, value) in map {
            let at = child(path, key);
            match (key.as_str(), value) {
                ("type", Value::String(name)) => self.type_name(name, &at),
                ("type", Value::Array(names)) if !names.is_empty() => {
                    self.names(names, &at, "type");
                }
                ("required", Value::Array(names)) => self.names(names, &at, "property"),
                ("properties", Value::Object(properties)) => {
                    for (name, sub) in properties {
                        self.node(sub, &child(&at, name), depth + 1);
                    }
                }
                // An `items` array means per-position items in older drafts, which
                // `keyword_problem` explains better than "must be an object".
                ("additionalProperties", _) | ("items", _) if !value.is_array() => {
                    self.node(value, &at, depth + 1);
                }
                ("anyOf", Value::Array(options)) if !options.is_empty() => {
                    for (index, option) in options.iter().enumerate() {
                        self.node(option, &child(&at, &index.to_string()), depth + 1);
                    }
                }
                ("enum", Value::Array(values)) if !values.is_empty() => {}
                ("const" | "default", _) => {}
                ("minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum", _)
                    if value.is_number() => {}
                ("minLength" | "maxLength" | "minItems" | "maxItems", _)
                    if as_count(value).is_some() => {}
                ("title" | "description" | "$comment" | "$schema", Value::String(_)) => {}
                ("examples", Value::Array(_)) => {}
                _ => self.report(&at, keyword_problem(key)),
            }
        }
        self.ranges(map, path);
    }

    fn type_name(&mut self, name: &str, path: &str) {
        if !TYPE_NAMES.split(", ").any(|known| known == name) {
            let message = format!("unknown type `{name}` (known types: {TYPE_NAMES})");
            self.report(path, message);
        }
    }

    /// The elements of `type` and `required`: unique strings. `kind` names them.
    fn names(&mut self, names: &[Value], path: &str, kind: &str) {
        for (index, name) in names.iter().enumerate() {
            let at = child(path, &index.to_string());
            match name {
                Value::String(text) if names[..index].contains(name) => {
                    self.report(&at, format!("{kind} `{text}` is listed twice"));
                }
                Value::String(text) if kind == "type" => {
                    self.type_name(text, &at);
                }
                Value::String(_) => {}
                _ => self.report(&at, format!("{kind} names must be strings")),
            }
        }
    }

    /// Bounds that no value can satisfy are almost certainly typos (swapped min and max),
    /// so they are reported at the lower bound's keyword.
    fn ranges(&mut self, map: &Object, path: &str) {
        const PAIRS: [(&str, &str); 6] = [
            ("minLength", "maxLength"),
            ("minItems", "maxItems"),
            ("minimum", "maximum"),
            ("minimum", "exclusiveMaximum"),
            ("exclusiveMinimum", "maximum"),
            ("exclusiveMinimum", "exclusiveMaximum"),
        ];
        for (low, high) in PAIRS {
            let (Some(Value::Number(a)), Some(Value::Number(b))) = (map.get(low), map.get(high))
            else {
                continue;
            };
            let exclusive = low.starts_with("exclusive") || high.starts_with("exclusive");
            let message = match compare_numbers(a, b) {
                Some(Greater) => format!("`{low}` ({a}) is greater than `{high}` ({b})"),
                Some(Equal) if exclusive => {
                    format!("`{low}` ({a}) and `{high}` ({b}) allow no value")
                }
                _ => continue,
            };
            self.report(&child(path, low), message);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Validating instances

struct Validator(Vec<Violation>);

impl Validator {
    fn report(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(Violation {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn node(&mut self, schema: &Value, instance: &Value, path: &str, depth: usize) {
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(false) => return self.report(path, "no value is allowed here"),
            // `true`, or something check_schema would have rejected: no constraints.
            _ => return,
        };
        if depth > MAX_DEPTH {
            return self.report(path, "schema is nested too deeply to check");
        }
        if let Some(expected) = map.get("type") {
            self.instance_type(expected, instance, path);
        }
        if let Some(Value::Array(allowed)) = map.get("enum")
            && !allowed.iter().any(|value| json_equal(value, instance))
        {
            self.report(path, format!("must be one of: {}", list_values(allowed)));
        }
        if let Some(expected) = map.get("const")
            && !json_equal(expected, instance)
        {
            self.report(path, format!("must equal {expected}"));
        }
        match instance {
            Value::Number(number) => self.number(map, number, path),
            Value::String(text) => self.count(map, "Length", text.chars().count(), path),
            Value::Array(items) => {
                self.count(map, "Items", items.len(), path);
                if let Some(item_schema) = map.get("items") {
                    for (index, item) in items.iter().enumerate() {
                        let at = child(path, &index.to_string());
                        self.node(item_schema, item, &at, depth + 1);
                    }
                }
            }
            Value::Object(object) => self.object(map, object, path, depth),
            Value::Bool(_) | Value::Null => {}
        }
        if let Some(Value::Array(options)) = map.get("anyOf") {
            self.any_of(options, instance, path, depth);
        }
    }

    fn instance_type(&mut self, expected: &Value, instance: &Value, path: &str) {
        let names: Vec<&str> = match expected {
            Value::String(name) => vec![name.as_str()],
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            _ => return,
        };
        if names.is_empty() || names.iter().any(|name| has_type(instance, name)) {
            return;
        }
        // "expected integer, got 2.5" says more than "got number" when only the fraction
        // is wrong.
        let got = match instance {
            Value::Number(number) if names.contains(&"integer") => number.to_string(),
            other => type_name(other).to_owned(),
        };
        self.report(path, format!("expected {}, got {got}", join_or(&names)));
    }

    fn number(&mut self, map: &Object, number: &Number, path: &str) {
        const BOUNDS: [(&str, &[Ordering], &str); 4] = [
            ("minimum", &[Less], "at least"),
            ("maximum", &[Greater], "at most"),
            ("exclusiveMinimum", &[Less, Equal], "greater than"),
            ("exclusiveMaximum", &[Greater, Equal], "less than"),
        ];
        for (key, failing, phrase) in BOUNDS {
            if let Some(Value::Number(bound)) = map.get(key)
                && compare_numbers(number, bound).is_some_and(|order| failing.contains(&order))
            {
                self.report(path, format!("must be {phrase} {bound}"));
            }
        }
    }

    /// String lengths ("must be at least 3 characters") and array sizes ("must have at
    /// most 1 item") differ only in keywords and wording. `suffix` is "Length" or "Items".
    fn count(&mut self, map: &Object, suffix: &str, count: usize, path: &str) {
        let (verb, noun) = if suffix == "Items" {
            ("have", "item")
        } else {
            ("be", "character")
        };
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        for (prefix, limit, failing) in [("min", "at least", Less), ("max", "at most", Greater)] {
            if let Some(bound) = map.get(&format!("{prefix}{suffix}")).and_then(as_count)
                && count.cmp(&bound) == failing
            {
                let plural = if bound == 1 { "" } else { "s" };
                self.report(path, format!("must {verb} {limit} {bound} {noun}{plural}"));
            }
        }
    }

    fn object(&mut self, map: &Object, object: &Object, path: &str, depth: usize) {
        if let Some(Value::Array(required)) = map.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    self.report(path, format!("missing required property `{name}`"));
                }
            }
        }
        let properties = map.get("properties").and_then(Value::as_object);
        let additional = map.get("additionalProperties");
        for (name, value) in object {
            match (properties.and_then(|p| p.get(name)), additional) {
                // Reported on the object, like a missing property: the fix is to the object.
                (None, Some(Value::Bool(false))) => {
                    self.report(path, format!("unexpected property `{name}`"));
                }
                (Some(schema), _) | (None, Some(schema)) => {
                    self.node(schema, value, &child(path, name), depth + 1);
                }
                (None, None) => {}
            }
        }
    }

    /// On failure, each option's first violation is quoted so that a repair prompt can
    /// tell the model what each alternative wanted.
    fn any_of(&mut self, options: &[Value], instance: &Value, path: &str, depth: usize) {
        let mut reasons = Vec::new();
        for (index, option) in options.iter().enumerate() {
            let mut inner = Validator(Vec::new());
            inner.node(option, instance, path, depth + 1);
            let Some(first) = inner.0.first() else {
                return;
            };
            // Paths inside the option are shown relative to the value being matched.
            let at = match first.path.strip_prefix(path).unwrap_or(&first.path) {
                "" => String::new(),
                relative => format!("{relative}: "),
            };
            let more = match inner.0.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            reasons.push(format!("option {}: {at}{}{more}", index + 1, first.message));
        }
        if !reasons.is_empty() {
            let reasons = reasons.join("; ");
            self.report(
                path,
                format!("does not match any allowed alternative ({reasons})"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Helpers

/// The message for a keyword whose value has the wrong shape, or that is not supported.
fn keyword_problem(key: &str) -> String {
    let must_be = match key {
        "type" => "a type name or a non-empty array of type names",
        "required" => "an array of property names",
        "properties" => "an object mapping property names to schemas",
        "additionalProperties" => "true, false or a schema",
        "items" => "a single schema (per-position items are not supported)",
        "anyOf" => "a non-empty array of schemas",
        "enum" => "a non-empty array of allowed values",
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => "a number",
        "minLength" | "maxLength" | "minItems" | "maxItems" => "a non-negative integer",
        "title" | "description" | "$comment" | "$schema" => "a string",
        "examples" => "an array",
        _ => return format!("unsupported keyword `{key}` (supported: {SUPPORTED})"),
    };
    format!("`{key}` must be {must_be}")
}

/// Appends one escaped JSON Pointer token (RFC 6901: `~` first, then `/`).
fn child(path: &str, token: &str) -> String {
    format!("{path}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(instance: &Value, name: &str) -> bool {
    match (name, instance) {
        ("integer", Value::Number(number)) => {
            number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        ("number", Value::Number(_)) => true,
        _ => name == type_name(instance),
    }
}

/// A count keyword's value: a non-negative integer, which JSON may also write as `5.0`.
fn as_count(value: &Value) -> Option<u64> {
    let number = value.as_number()?;
    let float = number.as_f64()?;
    // `as` saturates, so an absurd 1e300 becomes u64::MAX, which behaves the same.
    number
        .as_u64()
        .or_else(|| (float >= 0.0 && float.fract() == 0.0).then_some(float as u64))
}

/// Compares exactly when both are integers (an f64 loses precision above 2^53), otherwise
/// as floats.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (exact(a), exact(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// JSON equality with numbers compared by value: serde_json alone says `1 != 1.0`.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Some(Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            let same = |(key, a): (&String, &Value)| b.get(key).is_some_and(|b| json_equal(a, b));
            a.len() == b.len() && a.iter().all(same)
        }
        _ => a == b,
    }
}

fn list_values(values: &[Value]) -> String {
    let shown = values.iter().take(MAX_LISTED_VALUES).map(Value::to_string);
    let mut listed: Vec<String> = shown.collect();
    if values.len() > MAX_LISTED_VALUES {
        listed.push(format!("… ({} more)", values.len() - MAX_LISTED_VALUES));
    }
    listed.join(", ")
}

/// "string", "string or null", "string, number or null".
fn join_or(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Issues as sorted `path: message` strings, so tests do not depend on map order.
    fn issues(schema: Value) -> Vec<String> {
        let mut found: Vec<String> = check_schema(&schema)
            .iter()
            .map(|issue| format!("{}|{}", issue.path, issue.message))
            .collect();
        found.sort();
        found
    }

    /// Paths of the issues only, for tests about where an issue is reported.
    fn issue_paths(schema: Value) -> Vec<String> {
        let mut paths: Vec<String> = check_schema(&schema).into_iter().map(|i| i.path).collect();
        paths.sort();
        paths
    }

    /// Violations as sorted `path|message` strings.
    fn violations(schema: &Value, instance: Value) -> Vec<String> {
        assert_eq!(check_schema(schema), vec![], "test schema must be valid");
        let mut found: Vec<String> = validate(schema, &instance)
            .iter()
            .map(|v| format!("{}|{}", v.path, v.message))
            .collect();
        found.sort();
        found
    }

    fn is_valid(schema: &Value, instance: Value) -> bool {
        violations(schema, instance).is_empty()
    }

    fn output_schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Research answer",
            "description": "What the agent returns.",
            "$comment": "kept short on purpose",
            "type": "object",
            "required": ["answer", "sources"],
            "additionalProperties": false,
            "properties": {
                "answer": { "type": "string", "minLength": 1, "maxLength": 100 },
                "confidence": { "type": "number", "minimum": 0, "maximum": 1, "default": 0.5 },
                "priority": { "enum": ["low", "high"] },
                "sources": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {
                        "type": "object",
                        "required": ["url"],
                        "properties": {
                            "url": { "type": "string", "examples": ["https://a.example"] },
                            "rank": { "type": "integer", "exclusiveMinimum": 0 }
                        }
                    }
                }
            }
        })
    }

    // ---- check_schema --------------------------------------------------------------

    #[test]
    fn accepts_a_realistic_schema_and_boolean_schemas() {
        assert_eq!(check_schema(&output_schema()), vec![]);
        assert_eq!(check_schema(&json!(true)), vec![]);
        assert_eq!(check_schema(&json!(false)), vec![]);
        assert_eq!(check_schema(&json!({})), vec![]);
        let nested_booleans = json!({
            "properties": { "a": true, "b": false },
            "additionalProperties": true,
            "items": false,
            "anyOf": [true, { "type": ["string", "null"] }],
            "const": { "any": ["value"] },
            "enum": [1, "a", null, [], {}],
            "minimum": -1.5, "exclusiveMaximum": 10,
            "minLength": 0, "maxLength": 5.0
        });
        assert_eq!(check_schema(&nested_booleans), vec![]);
    }

    #[test]
    fn reports_non_schemas_with_their_path() {
        assert_eq!(
            check_schema(&json!("object")),
            vec![SchemaIssue {
                path: String::new(),
                message: "a schema must be an object or true/false, got string".into(),
            }]
        );
        assert_eq!(
            issue_paths(json!({
                "properties": { "a": 1, "b/c": [], "d~e": null },
                "additionalProperties": "no",
                "anyOf": [{}, 3]
            })),
            [
                "/additionalProperties",
                "/anyOf/1",
                "/properties/a",
                "/properties/b~1c",
                "/properties/d~0e"
            ]
        );
    }

    #[test]
    fn reports_unsupported_keywords_and_lists_the_supported_ones() {
        let found = check_schema(&json!({
            "properties": { "name": { "type": "string", "pattern": "^a" } },
            "$ref": "#/x"
        }));
        let paths: Vec<&str> = found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths.len(), 2);
        assert!(paths.contains(&"/properties/name/pattern"));
        assert!(paths.contains(&"/$ref"));
        let pattern = found
            .iter()
            .find(|i| i.path == "/properties/name/pattern")
            .unwrap();
        assert!(
            pattern
                .message
                .starts_with("unsupported keyword `pattern` (supported: type,")
        );
        assert!(pattern.message.contains("anyOf"));
        assert!(pattern.message.contains("$comment"));
    }

    #[test]
    fn reports_bad_type_values() {
        assert_eq!(
            issues(json!({ "type": "text" })),
            [
                "/type|unknown type `text` (known types: object, array, string, number, integer, boolean, null)"
            ]
        );
        assert_eq!(
            issues(json!({ "type": ["string", 5, "str", "string"] })),
            [
                "/type/1|type names must be strings",
                "/type/2|unknown type `str` (known types: object, array, string, number, integer, boolean, null)",
                "/type/3|type `string` is listed twice",
            ]
        );
        for bad in [json!([]), json!(5), json!(null), json!({})] {
            assert_eq!(
                issues(json!({ "type": bad })),
                ["/type|`type` must be a type name or a non-empty array of type names"]
            );
        }
        assert_eq!(
            issue_paths(json!({ "properties": { "answer": { "type": "txt" } } })),
            ["/properties/answer/type"]
        );
    }

    #[test]
    fn reports_bad_required() {
        assert_eq!(
            issues(json!({ "required": "x" })),
            ["/required|`required` must be an array of property names"]
        );
        assert_eq!(
            issues(json!({ "required": ["a", 1, "a"] })),
            [
                "/required/1|property names must be strings",
                "/required/2|property `a` is listed twice",
            ]
        );
        assert_eq!(check_schema(&json!({ "required": [] })), vec![]);
    }

    #[test]
    fn reports_bad_structural_keywords() {
        assert_eq!(
            issues(json!({ "properties": [] })),
            ["/properties|`properties` must be an object mapping property names to schemas"]
        );
        assert_eq!(
            issues(json!({ "items": [{ "type": "string" }] })),
            ["/items|`items` must be a single schema (per-position items are not supported)"]
        );
        assert_eq!(
            issues(json!({ "additionalProperties": [] })),
            ["/additionalProperties|`additionalProperties` must be true, false or a schema"]
        );
        assert_eq!(
            issues(json!({ "items": 3 })),
            ["/items|a schema must be an object or true/false, got number"]
        );
        for bad in [json!([]), json!({})] {
            assert_eq!(
                issues(json!({ "anyOf": bad })),
                ["/anyOf|`anyOf` must be a non-empty array of schemas"]
            );
        }
        for bad in [json!([]), json!("low")] {
            assert_eq!(
                issues(json!({ "enum": bad })),
                ["/enum|`enum` must be a non-empty array of allowed values"]
            );
        }
    }

    #[test]
    fn reports_bad_numeric_keyword_values() {
        for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
            assert_eq!(
                issues(json!({ key: "5" })),
                [format!("/{key}|`{key}` must be a number")]
            );
            assert_eq!(issues(json!({ key: -2.5 })), Vec::<String>::new());
        }
        for key in ["minLength", "maxLength", "minItems", "maxItems"] {
            for bad in [json!(-1), json!(1.5), json!("3"), json!(null)] {
                assert_eq!(
                    issues(json!({ key: bad })),
                    [format!("/{key}|`{key}` must be a non-negative integer")]
                );
            }
            assert_eq!(issues(json!({ key: 0 })), Vec::<String>::new());
            assert_eq!(issues(json!({ key: 2.0 })), Vec::<String>::new());
        }
    }

    #[test]
    fn reports_bad_annotations() {
        assert_eq!(
            issues(json!({ "title": 1, "description": [], "$comment": {}, "$schema": null })),
            [
                "/$comment|`$comment` must be a string",
                "/$schema|`$schema` must be a string",
                "/description|`description` must be a string",
                "/title|`title` must be a string",
            ]
        );
        assert_eq!(
            issues(json!({ "examples": "x" })),
            ["/examples|`examples` must be an array"]
        );
        assert_eq!(
            issues(json!({ "default": [1, { "a": null }] })),
            Vec::<String>::new()
        );
    }

    #[test]
    fn reports_empty_ranges() {
        assert_eq!(
            issues(json!({ "properties": { "n": { "minimum": 5, "maximum": 3 } } })),
            ["/properties/n/minimum|`minimum` (5) is greater than `maximum` (3)"]
        );
        assert_eq!(
            issues(json!({ "minLength": 10, "maxLength": 2 })),
            ["/minLength|`minLength` (10) is greater than `maxLength` (2)"]
        );
        assert_eq!(
            issues(json!({ "minItems": 4, "maxItems": 3 })),
            ["/minItems|`minItems` (4) is greater than `maxItems` (3)"]
        );
        assert_eq!(
            issues(json!({ "exclusiveMinimum": 3, "maximum": 3 })),
            ["/exclusiveMinimum|`exclusiveMinimum` (3) and `maximum` (3) allow no value"]
        );
        assert_eq!(
            issues(json!({ "minimum": 2.5, "exclusiveMaximum": 2.5 })),
            ["/minimum|`minimum` (2.5) and `exclusiveMaximum` (2.5) allow no value"]
        );
        assert_eq!(
            issues(json!({ "exclusiveMinimum": 4, "exclusiveMaximum": 1 })),
            ["/exclusiveMinimum|`exclusiveMinimum` (4) is greater than `exclusiveMaximum` (1)"]
        );
        // Equal inclusive bounds allow exactly one value; that is fine.
        let fine = json!({ "minimum": 3, "maximum": 3.0, "minLength": 2, "maxLength": 2 });
        assert_eq!(check_schema(&fine), vec![]);
    }

    #[test]
    fn reports_every_issue_at_once() {
        let found = issue_paths(json!({
            "type": "obj",
            "required": "x",
            "properties": { "a": { "format": "date", "minLength": -1 } },
            "items": { "maxItems": "3" }
        }));
        assert_eq!(
            found,
            [
                "/items/maxItems",
                "/properties/a/format",
                "/properties/a/minLength",
                "/required",
                "/type"
            ]
        );
    }

    /// `levels` schemas nested through `items`; the root is level 1.
    fn nested(levels: usize) -> Value {
        let mut schema = json!({ "type": "array" });
        for _ in 1..levels {
            schema = json!({ "items": schema });
        }
        schema
    }

    #[test]
    fn limits_depth_to_32_levels() {
        assert_eq!(check_schema(&nested(32)), vec![]);
        let too_deep = check_schema(&nested(33));
        let path = "/items".repeat(32);
        assert_eq!(
            too_deep,
            vec![SchemaIssue {
                path,
                message: "schema is nested more than 32 levels deep".into(),
            }]
        );
        // Every kind of nesting counts.
        let mut mixed = json!({});
        for level in 0..40 {
            mixed = match level % 4 {
                0 => json!({ "properties": { "x": mixed } }),
                1 => json!({ "anyOf": [mixed] }),
                2 => json!({ "additionalProperties": mixed }),
                _ => json!({ "items": mixed }),
            };
        }
        assert_eq!(check_schema(&mixed).len(), 1);
        // An unchecked, too-deep schema is refused by validate instead of recursing on.
        let instance = (0..40).fold(json!([]), |inner, _| json!([inner]));
        let found = validate(&nested(40), &instance);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "schema is nested too deeply to check");
    }

    // ---- validate ------------------------------------------------------------------

    #[test]
    fn accepts_a_valid_answer() {
        let answer = json!({
            "answer": "Forty-two",
            "confidence": 1,
            "priority": "high",
            "sources": [{ "url": "https://a.example", "rank": 1 }, { "url": "b" }]
        });
        assert_eq!(validate(&output_schema(), &answer), vec![]);
    }

    #[test]
    fn reports_nested_violations_with_pointer_paths() {
        let answer = json!({
            "answer": "",
            "confidence": 1.5,
            "priority": "urgent",
            "sources": [{ "url": 7, "rank": 2.5 }, { "rank": 0 }, {}, {}],
            "extra": true
        });
        assert_eq!(
            violations(&output_schema(), answer),
            [
                "/answer|must be at least 1 character",
                "/confidence|must be at most 1",
                "/priority|must be one of: \"low\", \"high\"",
                "/sources/0/rank|expected integer, got 2.5",
                "/sources/0/url|expected string, got number",
                "/sources/1/rank|must be greater than 0",
                "/sources/1|missing required property `url`",
                "/sources/2|missing required property `url`",
                "/sources/3|missing required property `url`",
                "/sources|must have at most 3 items",
                "|unexpected property `extra`",
            ]
        );
        assert_eq!(
            violations(&output_schema(), json!({ "sources": "none" })),
            [
                "/sources|expected array, got string",
                "|missing required property `answer`",
            ]
        );
        assert_eq!(
            violations(&output_schema(), json!([])),
            ["|expected object, got array"]
        );
    }

    #[test]
    fn checks_every_type_name() {
        let samples = [
            ("object", json!({})),
            ("array", json!([])),
            ("string", json!("")),
            ("number", json!(1.5)),
            ("boolean", json!(false)),
            ("null", json!(null)),
        ];
        for (name, _) in &samples {
            let schema = json!({ "type": name });
            for (other, instance) in &samples {
                assert_eq!(
                    is_valid(&schema, instance.clone()),
                    name == other,
                    "{name} vs {instance}"
                );
            }
        }
        let number = json!({ "type": "number" });
        assert!(is_valid(&number, json!(3)));
        assert!(is_valid(&number, json!(-3)));
        let integer = json!({ "type": "integer" });
        for whole in [
            json!(3),
            json!(-3),
            json!(3.0),
            json!(u64::MAX),
            json!(1e20),
        ] {
            assert!(is_valid(&integer, whole.clone()), "{whole}");
        }
        assert_eq!(
            violations(&integer, json!(2.5)),
            ["|expected integer, got 2.5"]
        );
        assert_eq!(
            violations(&integer, json!("2")),
            ["|expected integer, got string"]
        );
    }

    #[test]
    fn checks_type_unions() {
        let schema = json!({ "type": ["string", "null"] });
        assert!(is_valid(&schema, json!("x")));
        assert!(is_valid(&schema, json!(null)));
        assert_eq!(
            violations(&schema, json!(1)),
            ["|expected string or null, got number"]
        );
        let three = json!({ "type": ["integer", "boolean", "null"] });
        assert_eq!(
            violations(&three, json!(0.5)),
            ["|expected integer, boolean or null, got 0.5"]
        );
    }

    #[test]
    fn checks_enum_and_const() {
        let schema = json!({ "enum": [1, "a", null, [1, 2], { "k": 1 }] });
        for ok in [
            json!(1),
            json!(1.0),
            json!("a"),
            json!(null),
            json!([1, 2.0]),
            json!({ "k": 1.0 }),
        ] {
            assert!(is_valid(&schema, ok.clone()), "{ok}");
        }
        assert_eq!(
            violations(&schema, json!(2)),
            ["|must be one of: 1, \"a\", null, [1,2], {\"k\":1}"]
        );
        assert!(!is_valid(&schema, json!([2, 1])));
        assert!(!is_valid(&schema, json!({ "k": 1, "j": 1 })));
        assert!(!is_valid(&schema, json!("1")));

        let long: Vec<usize> = (0..25).collect();
        let message = &validate(&json!({ "enum": long }), &json!(99))[0].message;
        assert!(message.ends_with("18, 19, … (5 more)"), "{message}");

        let constant = json!({ "const": { "v": [true] } });
        assert!(is_valid(&constant, json!({ "v": [true] })));
        assert_eq!(
            violations(&constant, json!({ "v": [false] })),
            ["|must equal {\"v\":[true]}"]
        );
    }

    #[test]
    fn checks_numeric_bounds() {
        let schema = json!({ "minimum": 0, "maximum": 100 });
        assert!(is_valid(&schema, json!(0)));
        assert!(is_valid(&schema, json!(100.0)));
        assert_eq!(violations(&schema, json!(-1)), ["|must be at least 0"]);
        assert_eq!(violations(&schema, json!(100.5)), ["|must be at most 100"]);
        let exclusive = json!({ "exclusiveMinimum": 0.5, "exclusiveMaximum": 2 });
        assert!(is_valid(&exclusive, json!(1)));
        assert_eq!(
            violations(&exclusive, json!(0.5)),
            ["|must be greater than 0.5"]
        );
        assert_eq!(violations(&exclusive, json!(2)), ["|must be less than 2"]);
        // Bounds ignore non-numbers; `type` is what rejects them.
        assert!(is_valid(&schema, json!("1000")));
        // Large integers compare exactly, beyond what an f64 can tell apart.
        let big = json!({ "maximum": 9_007_199_254_740_992_u64 });
        assert!(is_valid(&big, json!(9_007_199_254_740_992_u64)));
        assert!(!is_valid(&big, json!(9_007_199_254_740_993_u64)));
        assert!(!is_valid(&json!({ "minimum": 0 }), json!(i64::MIN)));
        assert!(is_valid(&json!({ "minimum": -1 }), json!(u64::MAX)));
    }

    #[test]
    fn checks_string_lengths_in_chars() {
        let schema = json!({ "minLength": 2, "maxLength": 3 });
        assert!(is_valid(&schema, json!("ab")));
        // Three chars but nine UTF-8 bytes.
        assert!(is_valid(&schema, json!("日本語")));
        assert!(is_valid(&schema, json!("🦀🦀")));
        assert_eq!(
            violations(&schema, json!("é")),
            ["|must be at least 2 characters"]
        );
        assert_eq!(
            violations(&schema, json!("abcd")),
            ["|must be at most 3 characters"]
        );
        let one = json!({ "maxLength": 1, "minLength": 1 });
        assert_eq!(
            violations(&one, json!("ab")),
            ["|must be at most 1 character"]
        );
        let hundred = json!({ "maxLength": 100 });
        assert_eq!(
            violations(&hundred, json!("x".repeat(101))),
            ["|must be at most 100 characters"]
        );
        // Lengths ignore non-strings.
        assert!(is_valid(&schema, json!(12345)));
    }

    #[test]
    fn checks_arrays() {
        let schema = json!({ "minItems": 1, "maxItems": 2, "items": { "type": "integer" } });
        assert!(is_valid(&schema, json!([1, 2])));
        assert_eq!(
            violations(&schema, json!([])),
            ["|must have at least 1 item"]
        );
        assert_eq!(
            violations(&schema, json!([1, "2", 3.5])),
            [
                "/1|expected integer, got string",
                "/2|expected integer, got 3.5",
                "|must have at most 2 items",
            ]
        );
        let nested = json!({ "items": { "items": { "enum": ["x"] } } });
        assert_eq!(
            violations(&nested, json!([["x"], ["x", "y"]])),
            ["/1/1|must be one of: \"x\""]
        );
        assert!(is_valid(&schema, json!({ "not": "an array" })));
    }

    #[test]
    fn checks_objects() {
        let schema = json!({
            "required": ["a/b", "c~d"],
            "properties": { "a/b": { "type": "string" }, "c~d": { "type": "string" } },
            "additionalProperties": { "type": "number" }
        });
        assert!(is_valid(&schema, json!({ "a/b": "x", "c~d": "y", "n": 1 })));
        assert_eq!(
            violations(&schema, json!({ "a/b": 1, "n": "one" })),
            [
                "/a~1b|expected string, got number",
                "/n|expected number, got string",
                "|missing required property `c~d`",
            ]
        );
        let open = json!({ "properties": { "a": { "type": "string" } } });
        assert!(is_valid(&open, json!({ "b": [1] })));
        let closed = json!({ "properties": { "a": {} }, "additionalProperties": false });
        assert_eq!(
            violations(&closed, json!({ "a": 1, "z": 1, "extra": 2 })),
            ["|unexpected property `extra`", "|unexpected property `z`"]
        );
        // Object keywords ignore non-objects.
        assert!(is_valid(&closed, json!("text")));
    }

    #[test]
    fn checks_boolean_schemas() {
        assert_eq!(validate(&json!(true), &json!({ "anything": [1] })), vec![]);
        assert_eq!(
            validate(&json!(false), &json!(null)),
            vec![Violation {
                path: String::new(),
                message: "no value is allowed here".into(),
            }]
        );
        let schema = json!({ "properties": { "secret": false, "free": true } });
        assert!(is_valid(&schema, json!({ "free": 1 })));
        assert_eq!(
            violations(&schema, json!({ "secret": 1 })),
            ["/secret|no value is allowed here"]
        );
        let no_items = json!({ "items": false });
        assert!(is_valid(&no_items, json!([])));
        assert_eq!(
            violations(&no_items, json!([1])),
            ["/0|no value is allowed here"]
        );
    }

    #[test]
    fn checks_any_of() {
        let schema = json!({
            "anyOf": [
                { "type": "string", "maxLength": 3 },
                { "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" } } }
            ]
        });
        assert!(is_valid(&schema, json!("abc")));
        assert!(is_valid(&schema, json!({ "id": 7 })));
        assert_eq!(
            violations(&schema, json!(5)),
            [
                "|does not match any allowed alternative (option 1: expected string, got number; \
              option 2: expected object, got number)"
            ]
        );
        assert_eq!(
            violations(&schema, json!({ "id": "x" })),
            [
                "|does not match any allowed alternative (option 1: expected string, got object; \
              option 2: /id: expected integer, got string)"
            ]
        );
        // Nested under a property, inner paths are relative to the anyOf's value.
        let wrapped = json!({ "properties": { "v": schema } });
        assert_eq!(
            violations(&wrapped, json!({ "v": { "id": 1.5, "x": 1 } })),
            [
                "/v|does not match any allowed alternative (option 1: expected string, got object; \
              option 2: /id: expected integer, got 1.5)"
            ]
        );
        let many = json!({ "anyOf": [{ "type": "string", "minLength": 5, "enum": ["hello"] }] });
        assert_eq!(
            violations(&many, json!(1)),
            [
                "|does not match any allowed alternative (option 1: expected string, got number \
              (and 1 more))"
            ]
        );
        // anyOf combines with sibling keywords.
        let with_sibling =
            json!({ "type": "string", "anyOf": [{ "minLength": 2 }, { "const": "" }] });
        assert!(is_valid(&with_sibling, json!("")));
        assert!(is_valid(&with_sibling, json!("ab")));
        assert_eq!(violations(&with_sibling, json!("a")).len(), 1);
        assert!(is_valid(&json!({ "anyOf": [false, true] }), json!(1)));
    }

    #[test]
    fn validate_tolerates_unchecked_schemas() {
        let junk = json!({
            "type": 5, "required": "a", "properties": [], "items": [1], "enum": "x",
            "minimum": "0", "maxLength": -1, "anyOf": {}, "pattern": "^$"
        });
        assert!(!check_schema(&junk).is_empty());
        for instance in [
            json!(null),
            json!("s"),
            json!([1]),
            json!({ "a": 1 }),
            json!(-5),
        ] {
            assert_eq!(validate(&junk, &instance), vec![]);
        }
        assert_eq!(validate(&json!("not a schema"), &json!(1)), vec![]);
        assert_eq!(validate(&json!({ "anyOf": [] }), &json!(1)), vec![]);
    }

    #[test]
    fn describes_one_line_per_violation() {
        let found = validate(
            &json!({ "type": "object", "required": ["sources"], "properties": { "sources": { "type": "array" } } }),
            &json!({ "sources": "x" }),
        );
        assert_eq!(describe(&found), "/sources: expected array, got string");
        let both = [
            Violation {
                path: String::new(),
                message: "missing required property `sources`".into(),
            },
            Violation {
                path: "/sources/0".into(),
                message: "expected string, got number".into(),
            },
        ];
        assert_eq!(
            describe(&both),
            "missing required property `sources`\n/sources/0: expected string, got number"
        );
        assert_eq!(describe(&[]), "");
        // Hostile property names cannot break the one-line-per-violation format.
        let closed = json!({ "additionalProperties": false });
        let text = describe(&validate(&closed, &json!({ "a\nb": 1 })));
        assert_eq!(text, "unexpected property `a\\nb`");
        assert_eq!(text.lines().count(), 1);
    }
}
