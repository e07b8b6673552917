//! Writing specs as YAML: block style, keys in the order given, strings quoted only when
//! YAML would read them as something else. The visual editor writes its form through
//! this, so what it produces reads like a spec a person wrote.

use serde_json::Value;

/// A YAML document under construction, one `key: value` at a time.
#[derive(Default)]
pub struct YamlWriter {
    out: String,
}

impl YamlWriter {
    /// Writes `key: value` at `indent` spaces; nested mappings and lists go below.
    pub fn field(&mut self, indent: usize, key: &str, value: &Value) {
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(&key_text(key));
        self.out.push(':');
        write_after_key(&mut self.out, value, indent);
    }

    /// Writes `key: text` with the text exactly as given (a number typed in a form, which
    /// the validator reads and checks itself), or quoted when YAML would misread it.
    pub fn raw(&mut self, indent: usize, key: &str, text: &str) {
        let value = if looks_numeric(text) {
            text.to_string()
        } else {
            scalar(text)
        };
        self.out.push_str(&format!(
            "{}{}: {value}\n",
            " ".repeat(indent),
            key_text(key)
        ));
    }

    /// Writes `key:` alone; the caller writes the nested lines.
    pub fn open(&mut self, indent: usize, key: &str) {
        self.out
            .push_str(&format!("{}{}:\n", " ".repeat(indent), key_text(key)));
    }

    /// Writes a list item at `indent`: `- value`, or a mapping whose first key shares
    /// the dash's line.
    pub fn item(&mut self, indent: usize, value: &Value) {
        let mut block = String::new();
        write_block(&mut block, value, indent + 2);
        push_item(&mut self.out, &block, indent);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A whole value as a YAML document (a mapping at the top).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_block(&mut out, value, 0);
    out
}

/// `value` written as the lines of a block at `indent`, ending with a newline.
fn write_block(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, value) in map {
                out.push_str(&pad);
                out.push_str(&key_text(key));
                out.push(':');
                write_after_key(out, value, indent);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                let mut block = String::new();
                write_block(&mut block, item, indent + 2);
                push_item(out, &block, indent);
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// What follows `key:` — an inline value, or a newline and the nested block.
fn write_after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_block(out, value, indent + 2);
        }
        Value::Array(items) if !items.is_empty() && !is_short_flow(items) => {
            out.push('\n');
            write_block(out, value, indent + 2);
        }
        Value::String(text) if is_block_text(text) => {
            out.push_str(" |");
            if !text.ends_with('\n') {
                out.push('-');
            }
            out.push('\n');
            let pad = " ".repeat(indent + 2);
            for line in text.trim_end_matches('\n').split('\n') {
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// Puts a block written at `indent + 2` behind a `- ` at `indent`.
fn push_item(out: &mut String, block: &str, indent: usize) {
    let pad = " ".repeat(indent);
    out.push_str(&pad);
    out.push_str("- ");
    out.push_str(block.get(indent + 2..).unwrap_or(block).trim_start());
}

/// Short lists of plain words stay on one line: `tools: [web_search, calculator]`.
fn is_short_flow(items: &[Value]) -> bool {
    let words: Option<Vec<String>> = items
        .iter()
        .map(|item| match item {
            Value::String(s) if is_plain(s) && !s.contains(',') => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect();
    words.is_some_and(|words| words.join(", ").len() <= 60)
}

fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", key_text(k), inline(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// A string as a YAML scalar: plain when YAML reads it back as the same string, else
/// double-quoted (JSON's string syntax is valid YAML).
pub fn scalar(text: &str) -> String {
    if is_plain(text) {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
    }
}

fn key_text(key: &str) -> String {
    scalar(key)
}

/// Multi-line text without leading spaces on its first line or trailing blanks is
/// written as a literal block, as people write instructions.
fn is_block_text(text: &str) -> bool {
    text.contains('\n')
        && !text.starts_with([' ', '\t', '\n'])
        && !text.ends_with("\n\n")
        && !text.contains('\r')
        && !text.contains('\t')
}

fn is_plain(text: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "no",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    let special_start = "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace();
    !special_start
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.chars().any(|c| c.is_control())
        && !RESERVED.contains(&text)
        && !text.eq_ignore_ascii_case("on")
        && !text.eq_ignore_ascii_case("off")
        && !looks_numeric(text)
        && !text.contains(['{', '}', '[', ']', ','])
}

fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    !body.is_empty()
        && body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && (body.parse::<f64>().is_ok()
            || body.starts_with("0x")
            || body.starts_with("0o")
            || body.chars().all(|c| c.is_ascii_digit() || c == '_'))
        || matches!(body, ".inf" | ".Inf" | ".nan" | ".NaN")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reads_back(value: &Value) {
        let text = to_yaml(value);
        let read = crate::spec::spec_to_json(&text).expect("valid YAML");
        assert_eq!(&read, value, "{text}");
    }

    #[test]
    fn strings_that_look_like_other_things_are_quoted() {
        for text in [
            "true",
            "no",
            "null",
            "12",
            "0.5",
            "-3",
            "1e3",
            "a: b",
            "x #y",
            "- item",
            "[x]",
            "",
            " lead",
            "trail ",
            "{{input.q}}",
            "\"q\"",
            "it's",
            "on",
            "@me",
            "100%",
        ] {
            reads_back(&json!({ "key": text }));
        }
    }

    #[test]
    fn nested_values_read_back_unchanged() {
        reads_back(&json!({
            "name": "Agent",
            "instructions": "Line one: {{input.q}}\n  indented\n\nlast\n",
            "no_newline": "a\nb",
            "tools": ["web_search", "calculator"],
            "invariants": [
                {"max_steps": 8},
                {"output_schema": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}},
                {"assert": {"path": "/x", "op": ">", "value": 60}},
                {"must_contain": ["a, b", "c"]}
            ],
            "empty_list": [],
            "empty_map": {},
            "nested_lists": [[1, 2], [{"a": 1}]]
        }));
    }

    #[test]
    fn short_word_lists_stay_on_one_line() {
        assert_eq!(to_yaml(&json!({"tools": ["a", "b"]})), "tools: [a, b]\n");
    }
}
