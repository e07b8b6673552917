//! Choosing a request's behaviour: the next scripted one, else what the prompt's
//! directives ask for (the system prompt's, overridden by the last user message's),
//! else the default answer.

use std::time::Duration;

use serde_json::Value;

use crate::behaviour::{Behaviour, Plan};
use crate::conversation::Conversation;
use crate::directives::{Directive, scan, strip_directives};
use crate::state::Shared;

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
        } else if let Some((name, schema)) = &conversation.forced_tool
            && conversation.tool_result().is_none()
        {
            Behaviour::ToolCall {
                name: name.clone(),
                arguments: crate::sample::instance(schema),
            }
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

/// The deterministic answer when nothing else decides: it quotes the question so demos and
/// tests can see which message the model answered.
fn default_reply(last_user_text: &str) -> String {
    let asked = strip_directives(last_user_text);
    let quoted: String = asked.trim().chars().take(200).collect();
    format!("This is a demo answer from the fake model. You asked: {quoted}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tokio::sync::watch;

    use super::*;
    use crate::Options;
    use crate::behaviour::{Action, Answer};
    use crate::conversation::{Role, Turn};

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
    fn default_reply_quotes_the_question_without_directives() {
        assert_eq!(
            default_reply("  [fake:slow=10] What is Rust? "),
            "This is a demo answer from the fake model. You asked: What is Rust?"
        );
        let long = "x".repeat(300);
        assert!(default_reply(&long).ends_with(&"x".repeat(200)));
        assert!(!default_reply(&long).ends_with(&"x".repeat(201)));
    }
}
