//! Conversations as the app and the REST API show them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::runs::{RunStatus, StepRecord};
use crate::spec::{InputDef, MicroUsd};

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
    pub conversation_id: Uuid,
    pub message: ChatMessage,
    pub run_id: Uuid,
}

/// Which part of the chat page to show.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatQuery {
    /// The conversation open.
    pub open: Option<Uuid>,
    /// Its messages before this one (the `earlier` of the page after).
    pub before: Option<i32>,
    /// The list's conversations before this time (its `older`).
    pub older: Option<String>,
    /// The archived conversations listed instead of the others.
    pub archived: bool,
}

/// The chat page of an agent: the caller's conversations with it, and the one open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatView {
    pub agent_id: Uuid,
    pub agent_name: String,
    /// What a new conversation asks for once (the spec's inputs).
    pub inputs: Vec<InputDef>,
    /// The caller's latest conversations with the agent, the open one among them.
    pub conversations: Vec<Conversation>,
    /// Pass as `older` for the conversations after these; none at the end.
    pub older: Option<String>,
    pub open: Option<OpenConversation>,
}

/// A conversation as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenConversation {
    pub conversation: Conversation,
    pub entries: Vec<ChatEntry>,
    /// Pass as `before` for earlier messages; none when these are the first.
    pub earlier: Option<i32>,
    /// The run answering the last message, while it does.
    pub answering: Option<Uuid>,
}

/// One message with what the page needs to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatEntry {
    pub message: ChatMessage,
    /// The message as safe HTML: the agent's Markdown rendered (images as links, raw
    /// HTML as text), a person's text as it was written.
    pub html: String,
    /// What the turn did (model calls, tools, checks), on the message that ends it: the
    /// agent's answer, or a person's message whose turn failed or was stopped.
    pub steps: Vec<StepRecord>,
}

/// The cookie that tells a share link's visitors apart (they have no account).
pub const VISITOR_COOKIE: &str = "agf_visitor";

/// How a share link's visitor says who they are. On the link's own page, their cookie.
/// In a chat embedded on another site no cookie of ours is sent (browsers keep a
/// third-party frame's cookies from it), so the widget passes a `session` that the page
/// carries in its links and forms: a random id of the browser's own, or the site's
/// signed token for its signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorPass {
    Cookie(String),
    Session(String),
}

/// A share link page's address for a visitor: an embedded chat's session goes along.
pub fn with_session(path: &str, session: Option<&str>) -> String {
    match session.filter(|s| !s.is_empty()) {
        Some(session) => {
            let session: String = form_urlencoded::byte_serialize(session.as_bytes()).collect();
            format!("{path}?session={session}")
        }
        None => path.to_string(),
    }
}

impl VisitorPass {
    /// The session when there is one (an embedded chat), else the cookie.
    pub fn of(session: Option<String>, cookie: Option<String>) -> Option<VisitorPass> {
        match (session.filter(|s| !s.is_empty()), cookie) {
            (Some(session), _) => Some(VisitorPass::Session(session)),
            (None, Some(cookie)) => Some(VisitorPass::Cookie(cookie)),
            (None, None) => None,
        }
    }
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

/// An agent's public share link, as its team's admins see it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLink {
    /// The public page anyone with it may chat on, without signing in.
    pub url: String,
    /// Off: the link answers 404 until it is turned on again.
    pub enabled: bool,
    /// What the link's conversations may spend together in a UTC day; past it, a
    /// visitor's message is refused with a message saying so.
    pub daily_budget: MicroUsd,
    /// What they spent today.
    pub spent_today: MicroUsd,
    /// The sites (origins) whose pages may show the chat: every other is refused.
    pub allowed_origins: Vec<String>,
    /// Only the embedding site's signed-in users may chat (each with a token the site
    /// signs with `embed_secret`); the bare link and anonymous visitors are refused.
    pub signed_users_only: bool,
    /// The HS256 key the site signs its users' tokens with. Kept on the site's server,
    /// never in a browser.
    pub embed_secret: String,
    /// The tag that puts the chat on a page of an allowed site.
    pub embed_snippet: String,
}

/// A share link's settings.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareSettings {
    pub enabled: bool,
    /// In millionths of a dollar (1000000 is $1), at most $10,000.
    #[cfg_attr(
        feature = "ssr",
        schema(value_type = i64, minimum = 0, maximum = 10_000_000_000_i64)
    )]
    pub daily_budget: MicroUsd,
    /// The sites that may embed the chat, as origins (`https://www.example.com`, at
    /// most 20). Left out: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Only signed-in users of the embedding site may chat. Left out: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_users_only: Option<bool>,
}

/// The most sites a link may be embedded on.
pub const MAX_ALLOWED_ORIGINS: usize = 20;

/// The most a share link may spend in a day.
pub const MAX_SHARE_DAILY_BUDGET: MicroUsd = MicroUsd(10_000_000_000);

/// The public chat page of a share link, for one visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicChat {
    pub agent_name: String,
    pub description: String,
    /// The signed end user's name (or id), when the embedding site gave one.
    pub signed_in_as: Option<String>,
    /// The visitor's own conversations with the agent, the latest first.
    pub conversations: Vec<Conversation>,
    pub open: Option<OpenConversation>,
}

/// A signed end user's use of a team's agents over a range: what the embedding sites'
/// people did, each known by the id their site gave them.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndUserUsage {
    /// The id the embedding site gave the person.
    pub end_user: String,
    /// The name it last gave them, if any.
    pub name: Option<String>,
    pub agent_id: Uuid,
    pub agent_name: String,
    pub conversations: i64,
    /// Their messages (turns) in the range.
    pub messages: i64,
    /// What their turns cost in the range.
    pub cost: MicroUsd,
}
