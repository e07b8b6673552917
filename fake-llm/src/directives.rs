//! The `[fake:…]` directives a prompt can carry, parsed: well-formed ones with their
//! place in the text, malformed ones skipped so ordinary text that merely looks similar
//! passes through.

use std::ops::Range;

use serde_json::Value;

/// One `[fake:…]` directive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Directive {
    Reply(String),
    Json(String),
    Tool {
        name: String,
        arguments: Value,
    },
    Status(u16),
    RetryAfter(u64),
    /// `[fake:fail=CODExTIMES#TAG]`; `key` is the whole directive text, which is what the
    /// per-instance counter is keyed by.
    Fail {
        key: String,
        code: u16,
        times: u32,
    },
    Cut(usize),
    Slow(u64),
    Hang,
}

const OPENER: &str = "[fake:";

/// Every well-formed directive in `text` with its byte range; malformed ones are skipped so
/// ordinary text that merely looks similar passes through.
pub(crate) fn scan(text: &str) -> Vec<(Range<usize>, Directive)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(OPENER) {
        let start = from + offset;
        let body = start + OPENER.len();
        match parse_directive(&text[body..]) {
            Some((directive, length)) => {
                let end = body + length;
                let directive = match directive {
                    Directive::Fail { code, times, .. } => Directive::Fail {
                        key: text[start..end].to_owned(),
                        code,
                        times,
                    },
                    other => other,
                };
                found.push((start..end, directive));
                from = end;
            }
            None => from = body,
        }
    }
    found
}

/// `text` without its directives, for quoting the question back.
pub(crate) fn strip_directives(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut from = 0;
    for (range, _) in scan(text) {
        kept.push_str(&text[from..range.start]);
        from = range.end;
    }
    kept.push_str(&text[from..]);
    kept
}

/// Parses what follows `[fake:` up to and including the closing `]`; returns the directive
/// and the number of bytes consumed.
fn parse_directive(rest: &str) -> Option<(Directive, usize)> {
    if rest.starts_with("hang]") {
        return Some((Directive::Hang, "hang]".len()));
    }
    let (key, after_key) = rest.split_once('=')?;
    let value_start = key.len() + 1;
    let (directive, value_length) = match key {
        "json" => {
            let length = balanced_end(after_key)?;
            (Directive::Json(after_key[..length].to_owned()), length)
        }
        "tool" => parse_tool(after_key)?,
        _ => {
            let value = &after_key[..after_key.find(']')?];
            (simple_directive(key, value)?, value.len())
        }
    };
    // Every directive ends in `]`; checking it here also rejects `json`/`tool` payloads with
    // trailing junk.
    after_key[value_length..]
        .starts_with(']')
        .then_some((directive, value_start + value_length + 1))
}

fn simple_directive(key: &str, value: &str) -> Option<Directive> {
    Some(match key {
        "reply" => Directive::Reply(value.to_owned()),
        "status" => Directive::Status(value.parse().ok()?),
        "retry_after" => Directive::RetryAfter(value.parse().ok()?),
        "cut" => Directive::Cut(value.parse().ok()?),
        "slow" => Directive::Slow(value.parse().ok()?),
        "fail" => {
            let spec = value.split_once('#').map_or(value, |(spec, _tag)| spec);
            let (code, times) = spec.split_once('x')?;
            Directive::Fail {
                key: String::new(),
                code: code.parse().ok()?,
                times: times.parse().ok()?,
            }
        }
        _ => return None,
    })
}

/// `NAME {json}` or just `NAME` (empty arguments), up to but excluding the closing `]`.
fn parse_tool(value: &str) -> Option<(Directive, usize)> {
    let name_length = value.find(|c: char| c.is_whitespace() || c == '{' || c == ']')?;
    let name = &value[..name_length];
    if name.is_empty() {
        return None;
    }
    let after_name = &value[name_length..];
    let padding = after_name.len() - after_name.trim_start().len();
    let arguments_start = name_length + padding;
    let (arguments, arguments_length) = if value[arguments_start..].starts_with('{') {
        let length = balanced_end(&value[arguments_start..])?;
        let raw = &value[arguments_start..arguments_start + length];
        (serde_json::from_str(raw).ok()?, length)
    } else {
        (Value::Object(serde_json::Map::new()), 0)
    };
    let tool = Directive::Tool {
        name: name.to_owned(),
        arguments,
    };
    Some((tool, arguments_start + arguments_length))
}

/// The byte length of the JSON object or array at the start of `text`, found by balancing
/// brackets outside string literals (a `]` inside the JSON must not end the directive).
fn balanced_end(text: &str) -> Option<usize> {
    if !text.starts_with(['{', '[']) {
        return None;
    }
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    // Bytes are enough: every structural character is ASCII, and UTF-8 continuation bytes
    // never look like ASCII.
    for (index, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn directives(text: &str) -> Vec<Directive> {
        scan(text).into_iter().map(|(_, d)| d).collect()
    }

    #[test]
    fn parses_simple_directives() {
        assert_eq!(
            directives("hi [fake:reply=Hello there, friend!] bye"),
            [Directive::Reply("Hello there, friend!".into())]
        );
        assert_eq!(
            directives("[fake:status=429][fake:retry_after=2] [fake:cut=5] [fake:slow=250]"),
            [
                Directive::Status(429),
                Directive::RetryAfter(2),
                Directive::Cut(5),
                Directive::Slow(250),
            ]
        );
        assert_eq!(directives("wait [fake:hang]"), [Directive::Hang]);
    }

    #[test]
    fn fail_directive_is_keyed_by_its_whole_text() {
        assert_eq!(
            directives("x [fake:fail=500x2#retry-test] y"),
            [Directive::Fail {
                key: "[fake:fail=500x2#retry-test]".into(),
                code: 500,
                times: 2,
            }]
        );
        assert_eq!(
            directives("[fake:fail=503x1]"),
            [Directive::Fail {
                key: "[fake:fail=503x1]".into(),
                code: 503,
                times: 1,
            }]
        );
    }

    #[test]
    fn json_directive_balances_braces_and_ignores_brackets_in_strings() {
        let text = r#"give me [fake:json={"a":{"b":[1,2]},"s":"} ] {"}] thanks"#;
        assert_eq!(
            directives(text),
            [Directive::Json(r#"{"a":{"b":[1,2]},"s":"} ] {"}"#.into())]
        );
    }

    #[test]
    fn tool_directive_takes_a_name_and_optional_arguments() {
        assert_eq!(
            directives(r#"[fake:tool=get_weather {"city": "Paris", "days": [1]}]"#),
            [Directive::Tool {
                name: "get_weather".into(),
                arguments: json!({"city": "Paris", "days": [1]}),
            }]
        );
        assert_eq!(
            directives("[fake:tool=now]"),
            [Directive::Tool {
                name: "now".into(),
                arguments: json!({}),
            }]
        );
    }

    #[test]
    fn malformed_directives_are_ignored() {
        assert!(
            directives("[fake:status=abc] [fake:json={\"open\": 1] [fake:nope=1] [fake:")
                .is_empty()
        );
        assert_eq!(
            directives("[fake:status=oops [fake:cut=3]"),
            [Directive::Cut(3)]
        );
    }
}
