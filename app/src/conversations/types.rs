//! Conversations as the app and the REST API show them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::runs::RunStatus;
use crate::spec::MicroUsd;

/// A conversation with an agent: its turns are runs.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: Uuid,
    pub agent_id: Uuid,
    /// The first message's opening words until it is renamed.
    pub title: String,
    /// Every turn's spend together.
    pub cost: MicroUsd,
    pub archived: bool,
    /// RFC 3339.
    pub created: String,
    /// When its last message came, RFC 3339.
    pub updated: String,
    /// Whether a turn is being answered (a new message waits for it to end).
    pub answering: bool,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    User,
    Assistant,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        }
    }

    pub fn parse(text: &str) -> Option<Speaker> {
        match text {
            "user" => Some(Speaker::User),
            "assistant" => Some(Speaker::Assistant),
            _ => None,
        }
    }
}

/// One message of a conversation. A person's message carries the state of the turn it
/// started (its run), so a failed or unanswered turn shows as such.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Its place in the conversation, from 1.
    pub seq: i32,
    pub role: Speaker,
    pub content: String,
    /// The turn's run.
    pub run_id: Option<Uuid>,
    /// The turn's state, on a person's message.
    pub status: Option<RunStatus>,
    /// Why the turn failed, on a person's message whose turn did.
    pub failure: Option<String>,
    /// RFC 3339.
    pub created: String,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationsPage {
    pub conversations: Vec<Conversation>,
    /// Pass as `before` for the next (older) page; none at the end.
    pub next_before: Option<String>,
}

/// Messages in order, oldest first; `next_before` asks for the ones before them.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesPage {
    pub messages: Vec<ChatMessage>,
    /// Pass as `before` for the earlier messages; none when these are the first.
    pub next_before: Option<i32>,
}

/// A conversation to start: a title (else the first message names it) and the spec's
/// inputs, given once for every turn.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NewConversation {
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    #[serde(default)]
    pub title: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    #[serde(default)]
    pub inputs: Map<String, Value>,
}

/// A message taken: the turn that answers it is queued as this run.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostedMessage {
    pub message: ChatMessage,
    pub run_id: Uuid,
}

/// The longest message a person may send.
pub const MAX_MESSAGE_CHARS: usize = 20_000;
/// The longest title.
pub const MAX_TITLE_CHARS: usize = 200;

/// A conversation's title from its first message: its opening words, on one line.
pub fn title_from(message: &str) -> String {
    const LONGEST: usize = 60;
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= LONGEST {
        return line;
    }
    let cut: String = line.chars().take(LONGEST).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|at| *at > LONGEST / 2)
        .unwrap_or(cut.len());
    format!("{}…", &cut[..at_word])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_the_first_words_on_one_line() {
        assert_eq!(title_from("Hello\n  there"), "Hello there");
        let long = "word ".repeat(30);
        let title = title_from(&long);
        assert!(title.ends_with('…'), "{title}");
        assert!(title.chars().count() <= 61);
        assert!(!title.contains("  "));
    }
}
