//! JSON Schema for the schemas users write — an agent's `output_schema`, a custom HTTP
//! tool's `parameters` — and for checking JSON against them, through `boon`, a maintained
//! validator of drafts 2020-12, 2019-09, 7, 6 and 4 that passes the official
//! JSON-Schema-Test-Suite (run against it by `official_suite`, in `make test`).
//!
//! The same code runs on the server and, compiled to WASM, in the editor, so the editor's
//! live check and the server accept exactly the same schemas.
//!
//! # Choices
//!
//! - A schema without `$schema` is draft 2020-12; one naming an earlier draft is read as
//!   that draft. Unknown keywords are annotations, as the standard says.
//! - `$ref` and `$dynamicRef` resolve inside the schema (`#/$defs/…`, anchors, the `$id`s
//!   it declares) and to the standard metaschemas. Nothing is fetched from the network or
//!   read from disk: any other reference is reported when the schema is checked (the
//!   crate's own loader would read `file:` URLs, so it is replaced).
//! - `format` is asserted when JSON is checked (`date-time`, `email`, `uuid`, …), as
//!   structured outputs promise; checking the schema itself follows the standard.
//! - Nesting is bounded ([`MAX_DEPTH`] levels of JSON), measured without recursion before
//!   the crate (which recurses) sees the schema, so small WASM stacks are safe.
//!
//! Paths in [`SchemaIssue`] and [`Violation`] are JSON Pointers (RFC 6901): `""` is the
//! whole document, `~` and `/` inside names are escaped as `~0` and `~1`.

#[cfg(feature = "hydrate")]
mod in_browser;
mod report;

#[cfg(test)]
mod official_suite;
#[cfg(test)]
mod tests;

use boon::{CompileError, Compiler, Draft, SchemaIndex, Schemas, UrlLoader};
use serde_json::Value;

/// Deepest nesting of arrays and objects in a schema (the root is level 1). Real schemas
/// stay far below; the bound keeps the crate's recursion small on WASM stacks.
pub const MAX_DEPTH: usize = 64;

/// The address a user's schema is known by while it is compiled. Relative references
/// resolve against it and then fail to load, with a message that says why.
const BASE: &str = "https://schema.agent-factory.invalid/schema.json";

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

/// Checks that `schema` is a valid JSON Schema that can be used without fetching
/// anything. Returns every issue found (empty = fine). In the browser the checker is a
/// chunk of its own, fetched the first time a spec has a schema (see `in_browser`).
#[cfg(not(feature = "hydrate"))]
#[must_use]
pub fn check_schema(schema: &Value) -> Vec<SchemaIssue> {
    check_now(schema)
}

#[cfg(feature = "hydrate")]
pub use in_browser::check_schema;

/// [`check_schema`], here and now.
fn check_now(schema: &Value) -> Vec<SchemaIssue> {
    if let Some(path) = too_deep(schema) {
        let message = format!("the schema nests more than {MAX_DEPTH} levels deep");
        return vec![SchemaIssue { path, message }];
    }
    match compile(schema, Assertions::Standard) {
        Ok(_) => Vec::new(),
        Err(error) => report::schema_issues(&error, schema, BASE),
    }
}

/// Checks `instance` against `schema`, returning every violation (empty = valid). A
/// schema that does not compile (one never checked) is itself reported, so a broken
/// schema never lets everything through.
#[must_use]
pub fn validate(schema: &Value, instance: &Value) -> Vec<Violation> {
    let compiled = match too_deep(schema) {
        Some(_) => None,
        None => compile(schema, Assertions::Formats).ok(),
    };
    let Some((schemas, index)) = compiled else {
        let message = "the schema itself is invalid, so nothing can be checked against it";
        return vec![Violation {
            path: String::new(),
            message: message.into(),
        }];
    };
    match schemas.validate(instance, index) {
        Ok(()) => Vec::new(),
        Err(error) => report::violations(&error),
    }
}

/// One line per violation, e.g. `"/sources: want array, but got string"`, for feeding
/// back to an LLM in a repair prompt and for failure details. A violation of the whole
/// value is just its message: a bare ": " in front would only confuse the reader.
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

/// Whether `format` is asserted: only when JSON is checked against a user's schema. The
/// standard's default (an annotation) decides whether a schema is valid.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Assertions {
    Standard,
    Formats,
}

/// Compiles `schema` (which checks it against its draft's metaschema) with references
/// confined to the schema itself. (The crate's error is large, hence the box.)
fn compile(
    schema: &Value,
    assertions: Assertions,
) -> Result<(Schemas, SchemaIndex), Box<CompileError>> {
    let mut compiler = compiler(assertions);
    compiler.add_resource(BASE, schema.clone())?;
    let mut schemas = Schemas::new();
    let index = compiler.compile(BASE, &mut schemas)?;
    Ok((schemas, index))
}

pub(super) fn compiler(assertions: Assertions) -> Compiler {
    let mut compiler = Compiler::new();
    compiler.set_default_draft(Draft::V2020_12);
    compiler.use_loader(Box::new(NothingOutside));
    if assertions == Assertions::Formats {
        compiler.enable_format_assertions();
    }
    compiler
}

/// Refuses every document that is not the schema itself or a standard metaschema (those
/// are built into the crate and never reach a loader).
struct NothingOutside;

impl UrlLoader for NothingOutside {
    fn load(&self, url: &str) -> Result<Value, Box<dyn std::error::Error>> {
        Err(format!("{url} is outside the schema").into())
    }
}

/// The JSON Pointer of the first value nested deeper than [`MAX_DEPTH`], found without
/// recursion.
fn too_deep(schema: &Value) -> Option<String> {
    let mut stack = vec![(schema, String::new(), 1_usize)];
    while let Some((value, path, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = (String, &Value)>> = match value {
            Value::Object(map) => Box::new(map.iter().map(|(k, v)| (report::escape(k), v))),
            Value::Array(list) => {
                Box::new(list.iter().enumerate().map(|(i, v)| (i.to_string(), v)))
            }
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return Some(path);
        }
        for (token, child) in children {
            stack.push((child, format!("{path}/{token}"), depth + 1));
        }
    }
    None
}
