//! What a reply does: the [`Behaviour`] type (scripted through the admin API or chosen
//! by the prompt's directives) and its resolution into a concrete [`Plan`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

impl Behaviour {
    pub(crate) fn into_plan(self, text: String, delay: Duration) -> Plan {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
