//! OpenAI's chat-completions wire format, as the gateway speaks it: requests in, and
//! answers and stream chunks out, so any OpenAI SDK works unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::engine::providers::{
    ChatRequest, Completion, FinishReason, Message, ToolCall, ToolSpec, Usage,
};

/// The body of `POST /v1/chat/completions`. Parameters we do not act on but SDKs send
/// are accepted (and listed, so anything else is refused as unknown).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    pub model: String,
    pub messages: Vec<WireMessage>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    pub max_tokens: Option<u32>,
    pub max_completion_tokens: Option<u32>,
    pub temperature: Option<f32>,
    #[serde(default)]
    pub tools: Vec<WireTool>,
    pub n: Option<u32>,
    // Accepted for compatibility; the router decides these.
    pub top_p: Option<Value>,
    pub user: Option<Value>,
    pub seed: Option<Value>,
    pub stop: Option<Value>,
    pub presence_penalty: Option<Value>,
    pub frequency_penalty: Option<Value>,
    pub logit_bias: Option<Value>,
    pub tool_choice: Option<Value>,
    pub parallel_tool_calls: Option<Value>,
    pub metadata: Option<Value>,
    pub store: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct StreamOptions {
    #[serde(default)]
    pub include_usage: bool,
}

#[derive(Debug, Deserialize)]
pub struct WireMessage {
    pub role: String,
    #[serde(default)]
    pub content: Option<Content>,
    #[serde(default)]
    pub tool_calls: Vec<WireToolCall>,
    pub tool_call_id: Option<String>,
    pub name: Option<String>,
}

/// Text, or a list of parts of which the text ones are used.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Parts(Vec<Value>),
}

impl Content {
    fn text(&self) -> Result<String, String> {
        match self {
            Content::Text(text) => Ok(text.clone()),
            Content::Parts(parts) => parts
                .iter()
                .map(
                    |part| match (part["type"].as_str(), part["text"].as_str()) {
                        (Some("text"), Some(text)) => Ok(text),
                        (kind, _) => Err(format!(
                            "content parts of type `{}` are not supported; send text",
                            kind.unwrap_or("?")
                        )),
                    },
                )
                .collect::<Result<Vec<_>, _>>()
                .map(|texts| texts.join("")),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
pub struct WireToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    pub function: WireFunctionCall,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct WireFunctionCall {
    pub name: String,
    /// JSON text, as OpenAI sends it.
    pub arguments: String,
}

#[derive(Debug, Deserialize)]
pub struct WireTool {
    #[serde(rename = "type")]
    pub kind: String,
    pub function: WireFunction,
}

#[derive(Debug, Deserialize)]
pub struct WireFunction {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "empty_object")]
    pub parameters: Value,
}

fn function() -> String {
    "function".into()
}

fn empty_object() -> Value {
    json!({"type": "object", "properties": {}})
}

/// The most output a caller may ask for when it does not say.
const DEFAULT_MAX_TOKENS: u32 = 4_096;

impl CompletionRequest {
    /// The provider-neutral request; every problem names its field.
    pub fn to_chat(&self) -> Result<ChatRequest, (String, String)> {
        if self.messages.is_empty() {
            return Err(("messages".into(), "Send at least one message.".into()));
        }
        if self.n.is_some_and(|n| n != 1) {
            return Err(("n".into(), "Only n = 1 is supported.".into()));
        }
        if self.temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
            return Err((
                "temperature".into(),
                "Use a temperature from 0 to 2.".into(),
            ));
        }
        let mut system = Vec::new();
        let mut messages = Vec::new();
        for (i, message) in self.messages.iter().enumerate() {
            let field = format!("messages[{i}]");
            let text = message
                .content
                .as_ref()
                .map(Content::text)
                .transpose()
                .map_err(|e| (format!("{field}.content"), e))?
                .unwrap_or_default();
            match message.role.as_str() {
                "system" | "developer" => system.push(text),
                "user" => messages.push(Message::User(text)),
                "assistant" => messages.push(Message::Assistant {
                    text,
                    tool_calls: message
                        .tool_calls
                        .iter()
                        .map(|call| ToolCall {
                            id: call.id.clone(),
                            name: call.function.name.clone(),
                            arguments: serde_json::from_str(&call.function.arguments)
                                .unwrap_or(Value::String(call.function.arguments.clone())),
                        })
                        .collect(),
                }),
                "tool" => messages.push(Message::ToolResult {
                    call_id: message.tool_call_id.clone().ok_or_else(|| {
                        (
                            format!("{field}.tool_call_id"),
                            "A tool message needs tool_call_id.".to_string(),
                        )
                    })?,
                    content: text,
                    is_error: false,
                }),
                other => {
                    return Err((
                        format!("{field}.role"),
                        format!("Unknown role `{other}`; use system, user, assistant or tool."),
                    ));
                }
            }
        }
        let tools = self
            .tools
            .iter()
            .enumerate()
            .map(|(i, tool)| {
                if tool.kind != "function" {
                    return Err((
                        format!("tools[{i}].type"),
                        "Only function tools are supported.".to_string(),
                    ));
                }
                Ok(ToolSpec {
                    name: tool.function.name.clone(),
                    description: tool.function.description.clone(),
                    parameters: tool.function.parameters.clone(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(ChatRequest {
            model: self.model.clone(),
            system: system.join("\n\n"),
            messages,
            tools,
            max_tokens: self
                .max_completion_tokens
                .or(self.max_tokens)
                .unwrap_or(DEFAULT_MAX_TOKENS)
                .max(1),
            temperature: self.temperature,
            output_schema: None,
        })
    }
}

pub fn finish_reason(reason: &FinishReason) -> &str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::Length => "length",
        FinishReason::Other(other) => other,
    }
}

pub fn usage(usage: Usage) -> Value {
    json!({
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.prompt_tokens + usage.completion_tokens,
    })
}

fn tool_calls(calls: &[ToolCall], indexed: bool) -> Vec<Value> {
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let arguments = match &call.arguments {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let mut value = json!({
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": arguments},
            });
            if indexed {
                value["index"] = json!(i);
            }
            value
        })
        .collect()
}

/// A whole answer (`chat.completion`).
pub fn completion(id: &str, created: i64, model: &str, answer: &Completion) -> Value {
    let mut message = json!({
        "role": "assistant",
        "content": if answer.text.is_empty() && !answer.tool_calls.is_empty() { Value::Null } else { json!(answer.text) },
    });
    if !answer.tool_calls.is_empty() {
        message["tool_calls"] = json!(tool_calls(&answer.tool_calls, false));
    }
    json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(&answer.finish), "logprobs": null}],
        "usage": usage(answer.usage),
    })
}

/// One streamed piece (`chat.completion.chunk`).
pub fn chunk(id: &str, created: i64, model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}],
    })
}

/// The closing chunks of a stream: tool calls (they arrive whole), the finish reason,
/// and usage when the caller asked for it.
pub fn closing_chunks(
    id: &str,
    created: i64,
    model: &str,
    answer: &Completion,
    include_usage: bool,
) -> Vec<Value> {
    let mut chunks = Vec::new();
    if !answer.tool_calls.is_empty() {
        chunks.push(chunk(
            id,
            created,
            model,
            json!({"tool_calls": tool_calls(&answer.tool_calls, true)}),
            None,
        ));
    }
    chunks.push(chunk(
        id,
        created,
        model,
        json!({}),
        Some(finish_reason(&answer.finish)),
    ));
    if include_usage {
        chunks.push(json!({
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [], "usage": usage(answer.usage),
        }));
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> Result<ChatRequest, (String, String)> {
        serde_json::from_value::<CompletionRequest>(body)
            .expect("parses")
            .to_chat()
    }

    #[test]
    fn system_messages_become_the_system_prompt() {
        let chat = request(json!({
            "model": "auto",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "!"}]},
            ],
            "max_tokens": 50,
        }))
        .unwrap();
        assert_eq!(chat.system, "Be brief.");
        assert_eq!(chat.messages, vec![Message::User("Hi!".into())]);
        assert_eq!(chat.max_tokens, 50);
    }

    #[test]
    fn problems_name_their_field() {
        let bad_role =
            request(json!({"model": "auto", "messages": [{"role": "robot", "content": "x"}]}));
        assert_eq!(bad_role.unwrap_err().0, "messages[0].role");
        let image = request(
            json!({"model": "auto", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}),
        );
        assert_eq!(image.unwrap_err().0, "messages[0].content");
        let none = request(json!({"model": "auto", "messages": []}));
        assert_eq!(none.unwrap_err().0, "messages");
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let parsed = serde_json::from_value::<CompletionRequest>(
            json!({"model": "auto", "messages": [], "bogus": 1}),
        );
        assert!(parsed.is_err());
    }

    #[test]
    fn tool_calls_round_trip() {
        let answer = Completion {
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "call_1".into(),
                name: "lookup".into(),
                arguments: json!({"q": "x"}),
            }],
            usage: Usage {
                prompt_tokens: 3,
                completion_tokens: 4,
            },
            finish: FinishReason::ToolCalls,
        };
        let body = completion("id", 1, "demo-fast", &answer);
        assert_eq!(body["choices"][0]["message"]["content"], Value::Null);
        assert_eq!(
            body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            "{\"q\":\"x\"}"
        );
        assert_eq!(body["usage"]["total_tokens"], 7);
        let closing = closing_chunks("id", 1, "demo-fast", &answer, true);
        assert_eq!(closing.len(), 3);
        assert_eq!(closing[1]["choices"][0]["finish_reason"], "tool_calls");
    }
}
