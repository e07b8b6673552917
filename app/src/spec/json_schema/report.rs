//! Turning `boon`'s errors into the issues and violations users read: a JSON Pointer and
//! one sentence each, the schema's own address never shown.

use boon::{CompileError, ErrorKind, ValidationError};
use serde_json::Value;

use super::{SchemaIssue, Violation};

/// Enough to act on; a hostile instance cannot make a report (or a repair prompt) huge.
const MAX_REPORTED: usize = 20;

/// The issues behind a schema that does not compile. `base` is the address the schema
/// was compiled under.
pub(super) fn schema_issues(error: &CompileError, schema: &Value, base: &str) -> Vec<SchemaIssue> {
    let shorten = |url: &str| shorten(url, base);
    let named_draft = schema.get("$schema").and_then(Value::as_str);
    let (path, message) = match error {
        // The schema is the instance here, so each violation's path is a path in it.
        CompileError::ValidationError { src, .. } => {
            return violations(src)
                .into_iter()
                .map(|Violation { path, message }| SchemaIssue { path, message })
                .collect();
        }
        CompileError::LoadUrlError { url, .. } | CompileError::UnsupportedUrlScheme { url }
            if named_draft
                .is_some_and(|draft| draft.trim_end_matches('#') == url.trim_end_matches('#')) =>
        {
            ("/$schema".into(), unknown_draft(url))
        }
        CompileError::LoadUrlError { url, .. } | CompileError::UnsupportedUrlScheme { url } => (
            String::new(),
            format!(
                "the reference `{}` cannot be followed: only references inside the schema \
                 (such as `#/$defs/name`) and the standard metaschemas are resolved",
                shorten(url)
            ),
        ),
        CompileError::JsonPointerNotFound(url) => (
            String::new(),
            format!(
                "the reference `{}` points at nothing in the schema",
                shorten(url)
            ),
        ),
        CompileError::AnchorNotFound { reference, .. } => (
            String::new(),
            format!(
                "the reference `{}` names an anchor the schema does not declare",
                shorten(reference)
            ),
        ),
        CompileError::InvalidRegex { url, regex, src } => (
            pointer(url),
            format!("`{regex}` is not a regular expression this validator accepts: {src}"),
        ),
        CompileError::UnsupportedDraft { url } => ("/$schema".into(), unknown_draft(url)),
        CompileError::InvalidMetaSchemaUrl { url, .. } | CompileError::MetaSchemaCycle { url } => (
            "/$schema".into(),
            format!(
                "`$schema` in `{}` is not a usable metaschema address",
                shorten(url)
            ),
        ),
        CompileError::DuplicateId { id, ptr1, ptr2, .. } => (
            ptr2.clone(),
            format!("`$id` `{id}` is declared twice (also at `{ptr1}`)"),
        ),
        CompileError::DuplicateAnchor {
            anchor, ptr1, ptr2, ..
        } => (
            ptr2.clone(),
            format!("the anchor `{anchor}` is declared twice (also at `{ptr1}`)"),
        ),
        CompileError::ParseIdError { loc } => (pointer(loc), "`$id` is not a valid address".into()),
        CompileError::ParseAnchorError { loc } => (pointer(loc), "not a valid anchor name".into()),
        other => (String::new(), shorten(&other.to_string())),
    };
    vec![SchemaIssue { path, message }]
}

/// What an instance got wrong, one entry per failed keyword, in document order. Where
/// the instance had to match one of several alternatives (`anyOf`, `oneOf`) and matched
/// none, the alternatives' complaints are one entry at that place, joined by "or".
pub(super) fn violations(error: &ValidationError<'_, '_>) -> Vec<Violation> {
    let mut found = Vec::new();
    // Depth-first over the error tree without recursion; reversed pushes keep the order.
    let mut stack = vec![error];
    while let Some(error) = stack.pop() {
        if found.len() == MAX_REPORTED {
            break;
        }
        match &error.kind {
            ErrorKind::AnyOf | ErrorKind::OneOf(None) if !error.causes.is_empty() => {
                let here = error.instance_location.to_string();
                let alternatives: Vec<String> = leaves(error)
                    .into_iter()
                    .map(|(path, message)| match path.strip_prefix(&here) {
                        Some("") | None => message,
                        Some(inner) => format!("{inner}: {message}"),
                    })
                    .collect();
                found.push(Violation {
                    path: here,
                    message: format!(
                        "matches none of the alternatives: {}",
                        alternatives.join("; or ")
                    ),
                });
            }
            _ if error.causes.is_empty() => found.push(Violation {
                path: error.instance_location.to_string(),
                message: message(&error.kind),
            }),
            _ => stack.extend(error.causes.iter().rev()),
        }
    }
    found
}

/// The failures at the bottom of an error tree, with their instance paths.
fn leaves(error: &ValidationError<'_, '_>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![error];
    while let Some(error) = stack.pop() {
        if error.causes.is_empty() {
            found.push((error.instance_location.to_string(), message(&error.kind)));
        } else {
            stack.extend(error.causes.iter().rev());
        }
    }
    found.truncate(MAX_REPORTED);
    found
}

/// One failed keyword in one line. A `format` failure keeps only the last line of its
/// reason: a bad regular expression's is a drawing of where it broke.
fn message(kind: &ErrorKind<'_, '_>) -> String {
    let text = match kind {
        ErrorKind::Format { got, want, err } => {
            let got = match got.as_ref() {
                Value::String(text) => format!("'{text}'"),
                other => other.to_string(),
            };
            let reason = err.to_string();
            let reason = reason
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_owned();
            format!("{got} is not a valid {want}: {reason}")
        }
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unknown_draft(url: &str) -> String {
    format!(
        "`$schema` names `{url}`, which is not a draft this validator knows (2020-12, 2019-09, 7, 6 or 4)"
    )
}

/// `name` as one JSON Pointer token.
pub(super) fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The JSON Pointer in an address's fragment (`…#/properties/a` → `/properties/a`).
fn pointer(url: &str) -> String {
    let fragment = url.split_once('#').map_or("", |(_, fragment)| fragment);
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

/// An address as the user wrote it: relative to the schema's own address, if it is.
fn shorten(text: &str, base: &str) -> String {
    let folder = base.rsplit_once('/').map_or(base, |(folder, _)| folder);
    text.replace(base, "").replace(&format!("{folder}/"), "")
}
