//! The provider-neutral view of a request that behaviours and token counts work from; the
//! OpenAI and Anthropic modules each build one from their own request shape.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    User,
    Assistant,
    /// A tool result (OpenAI `tool` message, Anthropic `tool_result` block).
    Tool,
}

#[derive(Debug, Clone)]
pub(crate) struct Turn {
    pub(crate) role: Role,
    /// The turn's text; assistant turns also carry their tool-call arguments, since those
    /// count toward the prompt.
    pub(crate) text: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Conversation {
    pub(crate) model: String,
    pub(crate) system: String,
    pub(crate) turns: Vec<Turn>,
    pub(crate) has_tools: bool,
    pub(crate) stream: bool,
    pub(crate) max_tokens: Option<usize>,
    /// The JSON Schema of a requested structured answer (OpenAI `response_format`).
    pub(crate) json_schema: Option<serde_json::Value>,
    /// The tool the request makes the model call (a `tool_choice` naming one), with the
    /// JSON Schema of its input.
    pub(crate) forced_tool: Option<(String, serde_json::Value)>,
}

impl Conversation {
    fn last_user_index(&self) -> Option<usize> {
        self.turns.iter().rposition(|turn| turn.role == Role::User)
    }

    /// The last user message's text (empty when there is none).
    pub(crate) fn last_user_text(&self) -> &str {
        self.last_user_index()
            .map_or("", |index| self.turns[index].text.as_str())
    }

    /// The latest tool result answering the last user message, if one came back yet.
    pub(crate) fn tool_result(&self) -> Option<&str> {
        let after = self.last_user_index().map_or(0, |index| index + 1);
        self.turns[after..]
            .iter()
            .rev()
            .find(|turn| turn.role == Role::Tool)
            .map(|turn| turn.text.as_str())
    }

    /// Characters of the system prompt and every message, the basis of prompt tokens.
    pub(crate) fn prompt_chars(&self) -> usize {
        self.system.chars().count()
            + self
                .turns
                .iter()
                .map(|turn| turn.text.chars().count())
                .sum::<usize>()
    }
}

/// The text of a content value shared by both providers: a plain string, or an array of
/// blocks whose `text` fields are concatenated (images and other blocks carry no text).
/// Nothing is added between blocks, so prompt tokens follow the documented formula exactly.
pub(crate) fn content_text(content: &serde_json::Value) -> String {
    match content {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(blocks) => blocks
            .iter()
            .filter_map(|block| block.get("text").and_then(serde_json::Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// The tool a request's `tool_choice` names (at `name_at`), with its input schema (at
/// `schema_at` within the tool's entry of `tools`).
pub(crate) fn forced_tool(
    body: &serde_json::Value,
    name_at: &str,
    schema_at: &str,
) -> Option<(String, serde_json::Value)> {
    let name = body.pointer(name_at)?.as_str()?;
    let tool = body["tools"].as_array()?.iter().find(|tool| {
        tool["name"] == name
            || tool.pointer("/function/name").and_then(|n| n.as_str()) == Some(name)
    })?;
    let schema = tool.pointer(schema_at).cloned().unwrap_or_default();
    Some((name.to_owned(), schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: Role, text: &str) -> Turn {
        Turn {
            role,
            text: text.to_owned(),
        }
    }

    #[test]
    fn tool_result_only_counts_after_the_last_user_message() {
        let mut conversation = Conversation {
            turns: vec![
                turn(Role::User, "first"),
                turn(Role::Assistant, "{}"),
                turn(Role::Tool, "old result"),
                turn(Role::User, "second"),
            ],
            ..Conversation::default()
        };
        assert_eq!(conversation.last_user_text(), "second");
        assert_eq!(conversation.tool_result(), None);
        conversation.turns.push(turn(Role::Assistant, "{}"));
        conversation.turns.push(turn(Role::Tool, "new result"));
        assert_eq!(conversation.tool_result(), Some("new result"));
    }

    #[test]
    fn content_text_joins_text_blocks() {
        let blocks = serde_json::json!([
            {"type": "text", "text": "a"},
            {"type": "image_url", "image_url": {"url": "x"}},
            {"type": "text", "text": "b"}
        ]);
        assert_eq!(content_text(&blocks), "ab");
        assert_eq!(content_text(&serde_json::json!("plain")), "plain");
        assert_eq!(content_text(&serde_json::Value::Null), "");
    }
}
