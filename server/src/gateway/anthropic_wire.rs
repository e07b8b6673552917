//! Anthropic's Messages wire format, as the gateway speaks it (`POST /v1/messages`):
//! requests in, in the provider-neutral shape the router takes, and messages and stream
//! events out, so tools built on Anthropic's SDK use the gateway unchanged.

use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{Parsed, Unfit};
use crate::engine::providers::{
    ChatRequest, Completion, FinishReason, Image, Message, Part, ToolCall, ToolChoice, ToolSpec,
    Usage,
};

/// Anthropic parameters that tune an answer without changing what it is; other
/// providers have no equivalent. Anything else unknown is refused, naming it.
const HINTS: &[&str] = &["metadata", "service_tier"];

#[derive(Debug, Deserialize)]
pub struct MessagesRequest {
    pub model: String,
    pub max_tokens: u32,
    pub messages: Vec<AnthropicMessage>,
    pub system: Option<Value>,
    #[serde(default)]
    pub stop_sequences: Vec<String>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub tools: Vec<AnthropicTool>,
    pub tool_choice: Option<Value>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
pub struct AnthropicMessage {
    pub role: String,
    pub content: Value,
}

#[derive(Debug, Deserialize)]
pub struct AnthropicTool {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub input_schema: Value,
}

fn unfit(param: impl Into<String>, message: impl Into<String>) -> Unfit {
    Unfit {
        param: param.into(),
        message: message.into(),
        code: "invalid_value",
    }
}

/// A content block's or the system prompt's text: a string, or text blocks joined.
/// An image block's source: base64 data (PNG, JPEG, GIF or WebP) or an https URL.
fn image(source: &Value, param: &str) -> Result<Image, Unfit> {
    let url = match (source["type"].as_str(), source["media_type"].as_str()) {
        (
            Some("base64"),
            Some(media_type @ ("image/png" | "image/jpeg" | "image/gif" | "image/webp")),
        ) => source["data"]
            .as_str()
            .filter(|data| !data.is_empty())
            .map(|data| format!("data:{media_type};base64,{data}")),
        (Some("url"), _) => source["url"]
            .as_str()
            .filter(|url| url.starts_with("https://"))
            .map(str::to_string),
        _ => None,
    };
    url.map(|url| Image { url, detail: None }).ok_or_else(|| {
        unfit(
            param,
            "An image's source is base64 data (PNG, JPEG, GIF or WebP) or an https URL.",
        )
    })
}

fn text_of(value: &Value, param: &str) -> Result<String, Unfit> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Array(blocks) => blocks
            .iter()
            .map(
                |block| match (block["type"].as_str(), block["text"].as_str()) {
                    (Some("text"), Some(text)) => Ok(text),
                    (kind, _) => Err(Unfit {
                        code: "unsupported_parameter",
                        ..unfit(
                            param,
                            format!(
                                "blocks of type `{}` are not supported here; send text",
                                kind.unwrap_or("?")
                            ),
                        )
                    }),
                },
            )
            .collect::<Result<Vec<_>, _>>()
            .map(|texts| texts.join("")),
        Value::Null => Ok(String::new()),
        _ => Err(unfit(param, "Send text or a list of blocks.")),
    }
}

impl MessagesRequest {
    pub fn parse(&self) -> Result<Parsed, Unfit> {
        if self.messages.is_empty() {
            return Err(unfit("messages", "Send at least one message."));
        }
        if self.max_tokens == 0 {
            return Err(unfit("max_tokens", "Allow at least one token."));
        }
        if self.temperature.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
            return Err(unfit("temperature", "Use a temperature from 0 to 1."));
        }
        let mut hints = Vec::new();
        for (name, value) in &self.other {
            if value.is_null() {
                continue;
            }
            if !HINTS.contains(&name.as_str()) {
                return Err(Unfit {
                    code: "unsupported_parameter",
                    ..unfit(
                        name.clone(),
                        format!("`{name}` is not supported by this gateway."),
                    )
                });
            }
            hints.push(name.clone());
        }
        let tools: Vec<ToolSpec> = self
            .tools
            .iter()
            .map(|tool| ToolSpec {
                name: tool.name.clone(),
                description: tool.description.clone(),
                parameters: tool.input_schema.clone(),
            })
            .collect();
        let chat = ChatRequest {
            model: self.model.clone(),
            system: self
                .system
                .as_ref()
                .map(|system| text_of(system, "system"))
                .transpose()?
                .unwrap_or_default(),
            messages: self.conversation()?,
            tool_choice: self.tool_choice(&tools)?,
            tools,
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            top_p: self.top_p,
            stop: self.stop_sequences.clone(),
            ..ChatRequest::default()
        };
        Ok(Parsed {
            chat,
            choices: 1,
            needs_openai_format: None,
            hints,
            legacy_functions: false,
        })
    }

    /// The turns: text, the assistant's tool calls, and the user's tool results.
    fn conversation(&self) -> Result<Vec<Message>, Unfit> {
        let mut messages = Vec::new();
        for (i, message) in self.messages.iter().enumerate() {
            let field = format!("messages[{i}].content");
            let blocks = match &message.content {
                Value::String(text) => vec![json!({"type": "text", "text": text})],
                Value::Array(blocks) => blocks.clone(),
                _ => return Err(unfit(field, "Send text or a list of blocks.")),
            };
            let mut text = String::new();
            let mut tool_calls = Vec::new();
            // A user's text and images in order, used when there are images.
            let mut parts = Vec::new();
            for block in &blocks {
                match (message.role.as_str(), block["type"].as_str()) {
                    (_, Some("text")) => {
                        let words = block["text"].as_str().unwrap_or_default();
                        text.push_str(words);
                        parts.push(Part::Text(words.to_string()));
                    }
                    ("user", Some("image")) => {
                        parts.push(Part::Image(image(&block["source"], &field)?))
                    }
                    ("assistant", Some("tool_use")) => tool_calls.push(ToolCall {
                        id: block["id"].as_str().unwrap_or_default().to_string(),
                        name: block["name"].as_str().unwrap_or_default().to_string(),
                        arguments: block["input"].clone(),
                    }),
                    ("user", Some("tool_result")) => messages.push(Message::ToolResult {
                        call_id: block["tool_use_id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        content: text_of(&block["content"], &field)?,
                        is_error: block["is_error"].as_bool().unwrap_or(false),
                    }),
                    (_, kind) => {
                        return Err(Unfit {
                            code: "unsupported_parameter",
                            ..unfit(
                                field,
                                format!(
                                    "blocks of type `{}` are not supported here",
                                    kind.unwrap_or("?")
                                ),
                            )
                        });
                    }
                }
            }
            let has_images = parts.iter().any(|part| matches!(part, Part::Image(_)));
            match message.role.as_str() {
                "user" if has_images => messages.push(Message::UserParts(parts)),
                "user" if !text.is_empty() => messages.push(Message::User(text)),
                "user" => {}
                "assistant" => messages.push(Message::Assistant { text, tool_calls }),
                other => {
                    return Err(unfit(
                        format!("messages[{i}].role"),
                        format!("Unknown role `{other}`; use user or assistant."),
                    ));
                }
            }
        }
        Ok(messages)
    }

    fn tool_choice(&self, tools: &[ToolSpec]) -> Result<ToolChoice, Unfit> {
        let Some(choice) = &self.tool_choice else {
            return Ok(ToolChoice::Auto);
        };
        let choice = match (choice["type"].as_str(), choice["name"].as_str()) {
            (Some("auto"), _) => ToolChoice::Auto,
            (Some("any"), _) => ToolChoice::Required,
            (Some("none"), _) => ToolChoice::None,
            (Some("tool"), Some(name)) if tools.iter().any(|t| t.name == name) => {
                ToolChoice::Function(name.to_string())
            }
            (Some("tool"), _) => {
                return Err(unfit("tool_choice.name", "Name one of the tools sent."));
            }
            _ => return Err(unfit("tool_choice.type", "Use auto, any, tool or none.")),
        };
        Ok(choice)
    }
}

pub fn stop_reason(reason: &FinishReason) -> &str {
    match reason {
        FinishReason::Stop => "end_turn",
        FinishReason::ToolCalls => "tool_use",
        FinishReason::Length => "max_tokens",
        FinishReason::Other(other) => other,
    }
}

fn usage(usage: Usage) -> Value {
    json!({"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens})
}

fn tool_use(call: &ToolCall) -> Value {
    json!({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
}

/// A whole answer (`message`).
pub fn message(id: &str, model: &str, answer: &Completion) -> Value {
    let mut content = Vec::new();
    if !answer.text.is_empty() || answer.tool_calls.is_empty() {
        content.push(json!({"type": "text", "text": answer.text}));
    }
    content.extend(answer.tool_calls.iter().map(tool_use));
    json!({
        "id": id, "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": stop_reason(&answer.finish), "stop_sequence": null,
        "usage": usage(answer.usage),
    })
}

/// The events before the first text: the message, then its text block.
pub fn opening_events(id: &str, model: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "message_start",
            json!({"type": "message_start", "message": {
                "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 0, "output_tokens": 0},
            }}),
        ),
        (
            "content_block_start",
            json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}),
        ),
    ]
}

pub fn text_event(text: &str) -> (&'static str, Value) {
    (
        "content_block_delta",
        json!({"type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": text}}),
    )
}

/// After the text: its block's end, each tool call as a block of its own (input whole),
/// then the stop reason and usage, and the message's end.
pub fn closing_events(answer: &Completion) -> Vec<(&'static str, Value)> {
    let mut events = vec![(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    )];
    for (i, call) in answer.tool_calls.iter().enumerate() {
        let index = i + 1;
        let input = match &call.arguments {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        events.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}}),
        ));
        events.push((
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "input_json_delta", "partial_json": input}}),
        ));
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }
    events.push((
        "message_delta",
        json!({"type": "message_delta",
        "delta": {"stop_reason": stop_reason(&answer.finish), "stop_sequence": null},
        "usage": usage(answer.usage)}),
    ));
    events.push(("message_stop", json!({"type": "message_stop"})));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<Parsed, Unfit> {
        serde_json::from_value::<MessagesRequest>(body)
            .unwrap()
            .parse()
    }

    #[test]
    fn a_conversation_with_tools_becomes_the_routers_request() {
        let parsed = parse(json!({
            "model": "cheap", "max_tokens": 100, "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
                {"role": "user", "content": "weather?"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Oslo"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "rain"}]},
            ],
            "tools": [{"name": "weather", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "any"},
            "stop_sequences": ["END"],
            "metadata": {"user_id": "u1"},
        }))
        .unwrap();
        let chat = parsed.chat;
        assert_eq!(chat.system, "Be brief.");
        assert_eq!(chat.messages.len(), 3);
        assert!(
            matches!(&chat.messages[2], Message::ToolResult { call_id, content, .. } if call_id == "t1" && content == "rain")
        );
        assert_eq!(chat.tool_choice, ToolChoice::Required);
        assert_eq!(chat.stop, ["END"]);
        assert_eq!(parsed.hints, ["metadata"]);
    }

    #[test]
    fn problems_name_their_parameter() {
        let base = json!({"model": "cheap", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]});
        let with = |extra: Value| {
            let mut body = base.clone();
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            parse(body).unwrap_err().param
        };
        assert_eq!(with(json!({"temperature": 1.5})), "temperature");
        assert_eq!(with(json!({"top_k": 5})), "top_k");
        assert_eq!(
            with(json!({"tool_choice": {"type": "tool", "name": "nope"}})),
            "tool_choice.name"
        );
        assert_eq!(
            with(
                json!({"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]})
            ),
            "messages[0].content"
        );
        let image = json!({"messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is it?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
        ]}]});
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(image.as_object().unwrap().clone());
        assert_eq!(
            parse(body).unwrap().chat.messages,
            vec![Message::UserParts(vec![
                Part::Text("What is it?".into()),
                Part::Image(Image {
                    url: "data:image/png;base64,iVBORw0KGgo=".into(),
                    detail: None
                }),
            ])]
        );
    }

    #[test]
    fn answers_and_events_have_anthropics_shape() {
        let answer = Completion {
            text: "Calling.".into(),
            tool_calls: vec![ToolCall {
                id: "t1".into(),
                name: "weather".into(),
                arguments: json!({"city": "Oslo"}),
            }],
            usage: Usage {
                prompt_tokens: 5,
                completion_tokens: 7,
            },
            finish: FinishReason::ToolCalls,
            logprobs: None,
        };
        let body = message("msg_1", "m", &answer);
        assert_eq!(body["stop_reason"], "tool_use");
        assert_eq!(body["content"][1]["input"]["city"], "Oslo");
        assert_eq!(body["usage"]["output_tokens"], 7);
        let events = closing_events(&answer);
        let names: Vec<&str> = events.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(events[2].1["delta"]["partial_json"], "{\"city\":\"Oslo\"}");
    }
}
