//! What a reply does: the [`Behaviour`] type, the `[fake:…]` directives that select one from
//! the prompt, and the resolution of either into a concrete [`Plan`].

use std::ops::Range;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::conversation::Conversation;
use crate::state::Shared;

/// How the fake answers one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Behaviour {
    /// Answer with this text.
    Reply { text: String },
    /// Call one tool with these arguments.
    ToolCall { name: String, arguments: Value },
    /// Fail with this HTTP status in the provider's error format, with a `retry-after`
    /// header when set.
    Status {
        code: u16,
        retry_after_secs: Option<u64>,
    },
    /// Streaming: send that many words of the reply, then drop the connection without a
    /// finish event. Non-streaming: close the connection part-way through the body.
    Cut { after_words: usize },
    /// Wait before the first byte, then behave as `then`.
    Delay { ms: u64, then: Box<Behaviour> },
    /// Accept the request and never answer, for client timeouts.
    Hang,
}

/// A behaviour resolved against the request.
#[derive(Debug, PartialEq)]
pub(crate) struct Plan {
    pub(crate) delay: Duration,
    pub(crate) action: Action,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Action {
    Answer(Answer),
    Status {
        code: u16,
        retry_after_secs: Option<u64>,
    },
    Hang,
}

/// A successful reply for the wire modules to render.
#[derive(Debug, PartialEq)]
pub(crate) enum Answer {
    Text {
        text: String,
        /// Drop the connection after this many words instead of finishing.
        cut_after: Option<usize>,
    },
    Tool {
        name: String,
        arguments: Value,
    },
}

/// Picks the behaviour for a request: the next scripted one, else the prompt's directives,
/// else the default answer.
pub(crate) fn decide(shared: &Shared, conversation: &Conversation) -> Plan {
    let directives = Directives::of(conversation);
    // A cut needs words to send; they are whatever the request would otherwise be answered.
    let text = directives.reply_text(conversation);
    let behaviour = match shared.next_scripted() {
        Some(scripted) => scripted,
        None => directives.behaviour(shared, conversation, &text),
    };
    behaviour.into_plan(text, Duration::ZERO)
}

impl Behaviour {
    fn into_plan(self, text: String, delay: Duration) -> Plan {
        let action = match self {
            Behaviour::Delay { ms, then } => {
                return then.into_plan(text, delay + Duration::from_millis(ms));
            }
            Behaviour::Reply { text } => Action::Answer(Answer::Text {
                text,
                cut_after: None,
            }),
            Behaviour::ToolCall { name, arguments } => {
                Action::Answer(Answer::Tool { name, arguments })
            }
            Behaviour::Status {
                code,
                retry_after_secs,
            } => Action::Status {
                code,
                retry_after_secs,
            },
            Behaviour::Cut { after_words } => Action::Answer(Answer::Text {
                text,
                cut_after: Some(after_words),
            }),
            Behaviour::Hang => Action::Hang,
        };
        Plan { delay, action }
    }
}

/// The deterministic answer when nothing else decides: it quotes the question so demos and
/// tests can see which message the model answered.
fn default_reply(last_user_text: &str) -> String {
    let asked = strip_directives(last_user_text);
    let quoted: String = asked.trim().chars().take(200).collect();
    format!("This is a demo answer from the fake model. You asked: {quoted}")
}

/// One `[fake:…]` directive.
#[derive(Debug, Clone, PartialEq)]
enum Directive {
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

/// The directives of a request, later ones overriding earlier ones.
#[derive(Debug, Default)]
struct Directives {
    reply: Option<String>,
    json: Option<String>,
    tool: Option<(String, Value)>,
    status: Option<u16>,
    retry_after: Option<u64>,
    fail: Option<(String, u16, u32)>,
    cut: Option<usize>,
    slow: Option<u64>,
    hang: bool,
}

impl Directives {
    /// The system prompt first, then the last user message, so the message wins a conflict.
    fn of(conversation: &Conversation) -> Directives {
        let mut directives = Directives::default();
        for text in [conversation.system.as_str(), conversation.last_user_text()] {
            for (_, directive) in scan(text) {
                directives.apply(directive);
            }
        }
        directives
    }

    fn apply(&mut self, directive: Directive) {
        match directive {
            Directive::Reply(text) => self.reply = Some(text),
            Directive::Json(json) => self.json = Some(json),
            Directive::Tool { name, arguments } => self.tool = Some((name, arguments)),
            Directive::Status(code) => self.status = Some(code),
            Directive::RetryAfter(secs) => self.retry_after = Some(secs),
            Directive::Fail { key, code, times } => self.fail = Some((key, code, times)),
            Directive::Cut(words) => self.cut = Some(words),
            Directive::Slow(ms) => self.slow = Some(ms),
            Directive::Hang => self.hang = true,
        }
    }

    /// The text answer: a tool's result once it came back, else the scripted JSON or reply,
    /// else the default.
    fn reply_text(&self, conversation: &Conversation) -> String {
        if let Some((name, _)) = &self.tool
            && let Some(result) = conversation.tool_result()
        {
            return format!("Tool {name} returned: {result}");
        }
        if let Some(json) = &self.json {
            return json.clone();
        }
        if let Some(reply) = &self.reply {
            return reply.clone();
        }
        if let Some(schema) = &conversation.json_schema {
            return crate::sample::instance(schema).to_string();
        }
        default_reply(conversation.last_user_text())
    }

    /// The `fail` directive's status while it still has failures left; counts this sighting.
    fn failing(&self, shared: &Shared) -> Option<u16> {
        let (key, code, times) = self.fail.as_ref()?;
        (shared.count_failure(key) <= *times).then_some(*code)
    }

    fn behaviour(&self, shared: &Shared, conversation: &Conversation, text: &str) -> Behaviour {
        let status = |code| Behaviour::Status {
            code,
            retry_after_secs: self.retry_after,
        };
        let behaviour = if self.hang {
            Behaviour::Hang
        } else if let Some(code) = self.failing(shared).or(self.status) {
            status(code)
        } else if let Some((name, arguments)) = &self.tool
            && conversation.has_tools
            && conversation.tool_result().is_none()
        {
            Behaviour::ToolCall {
                name: name.clone(),
                arguments: arguments.clone(),
            }
        } else if let Some(after_words) = self.cut {
            Behaviour::Cut { after_words }
        } else {
            Behaviour::Reply {
                text: text.to_owned(),
            }
        };
        match self.slow {
            Some(ms) => Behaviour::Delay {
                ms,
                then: Box::new(behaviour),
            },
            None => behaviour,
        }
    }
}

const OPENER: &str = "[fake:";

/// Every well-formed directive in `text` with its byte range; malformed ones are skipped so
/// ordinary text that merely looks similar passes through.
fn scan(text: &str) -> Vec<(Range<usize>, Directive)> {
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
fn strip_directives(text: &str) -> String {
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
    use tokio::sync::watch;

    use super::*;
    use crate::Options;
    use crate::conversation::{Role, Turn};

    fn directives(text: &str) -> Vec<Directive> {
        scan(text).into_iter().map(|(_, d)| d).collect()
    }

    fn user(text: &str) -> Conversation {
        Conversation {
            turns: vec![Turn {
                role: Role::User,
                text: text.to_owned(),
            }],
            ..Conversation::default()
        }
    }

    fn shared() -> Shared {
        let (_sender, receiver) = watch::channel(());
        Shared::new(Options::default(), receiver)
    }

    fn answer(text: &str) -> Action {
        Action::Answer(Answer::Text {
            text: text.to_owned(),
            cut_after: None,
        })
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

    #[test]
    fn default_reply_quotes_the_question_without_directives() {
        assert_eq!(
            default_reply("  [fake:slow=10] What is Rust? "),
            "This is a demo answer from the fake model. You asked: What is Rust?"
        );
        let long = "x".repeat(300);
        assert!(default_reply(&long).ends_with(&"x".repeat(200)));
        assert!(!default_reply(&long).ends_with(&"x".repeat(201)));
    }

    #[test]
    fn user_message_directives_override_the_system_prompt() {
        let mut conversation = user("[fake:reply=from user]");
        conversation.system = "[fake:reply=from system] [fake:slow=5]".into();
        let plan = decide(&shared(), &conversation);
        assert_eq!(plan.delay, Duration::from_millis(5));
        assert_eq!(plan.action, answer("from user"));
    }

    #[test]
    fn tool_directive_needs_tools_and_then_reports_the_result() {
        let shared = shared();
        let mut conversation = user(r#"[fake:tool=lookup {"q":"x"}]"#);
        let plan = decide(&shared, &conversation);
        assert!(matches!(plan.action, Action::Answer(Answer::Text { .. })));

        conversation.has_tools = true;
        assert_eq!(
            decide(&shared, &conversation).action,
            Action::Answer(Answer::Tool {
                name: "lookup".into(),
                arguments: json!({"q": "x"}),
            })
        );

        conversation.turns.push(Turn {
            role: Role::Tool,
            text: "42".into(),
        });
        assert_eq!(
            decide(&shared, &conversation).action,
            answer("Tool lookup returned: 42")
        );
    }

    #[test]
    fn fail_directive_fails_the_given_number_of_times() {
        let shared = shared();
        let conversation = user("[fake:fail=503x2#t] [fake:retry_after=1] [fake:reply=ok]");
        let failure = Action::Status {
            code: 503,
            retry_after_secs: Some(1),
        };
        assert_eq!(decide(&shared, &conversation).action, failure);
        assert_eq!(decide(&shared, &conversation).action, failure);
        assert_eq!(decide(&shared, &conversation).action, answer("ok"));
        // A different tag is a different counter.
        let other = user("[fake:fail=503x2#u]");
        assert!(matches!(
            decide(&shared, &other).action,
            Action::Status { code: 503, .. }
        ));
    }

    #[test]
    fn scripted_behaviours_come_first_and_cut_uses_the_natural_reply() {
        let shared = shared();
        shared.push_script([
            Behaviour::Delay {
                ms: 7,
                then: Box::new(Behaviour::Cut { after_words: 2 }),
            },
            Behaviour::Hang,
        ]);
        let conversation = user("[fake:reply=one two three]");
        assert_eq!(
            decide(&shared, &conversation),
            Plan {
                delay: Duration::from_millis(7),
                action: Action::Answer(Answer::Text {
                    text: "one two three".into(),
                    cut_after: Some(2),
                }),
            }
        );
        assert_eq!(decide(&shared, &conversation).action, Action::Hang);
        assert_eq!(
            decide(&shared, &conversation).action,
            answer("one two three")
        );
    }

    #[test]
    fn behaviours_use_the_documented_json_shape() {
        let behaviour: Behaviour = serde_json::from_value(json!({
            "kind": "delay", "ms": 10, "then": {"kind": "status", "code": 429}
        }))
        .unwrap();
        assert_eq!(
            behaviour,
            Behaviour::Delay {
                ms: 10,
                then: Box::new(Behaviour::Status {
                    code: 429,
                    retry_after_secs: None,
                }),
            }
        );
        assert_eq!(
            serde_json::to_value(Behaviour::Cut { after_words: 3 }).unwrap(),
            json!({"kind": "cut", "after_words": 3})
        );
    }
}
