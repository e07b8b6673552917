//! The Anthropic Messages wire format.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::chat::parse_arguments;
use super::http;
use super::http::Endpoint;
use super::sse::SseEvent;
use super::streaming;
use super::{
    AnswerFormat, ChatRequest, Chunk, ChunkStream, Completion, FinishReason, LlmProvider, Message,
    Offered, Part, ProviderError, ToolCall, ToolChoice, Usage, WireFormat,
};

const API_VERSION: &str = "2023-06-01";

/// The tool whose input is the answer, when JSON was asked for (see [`body`]).
const ANSWER_TOOL: &str = "json_answer";

/// `base_url` is without `/v1`; `/v1/messages` is appended.
pub struct Anthropic(pub Endpoint);

impl Anthropic {
    fn request(&self, request: &ChatRequest, stream: bool) -> reqwest::RequestBuilder {
        let url = format!("{}/v1/messages", self.0.base_url.trim_end_matches('/'));
        let mut builder = self
            .0
            .client
            .post(url)
            .header("anthropic-version", API_VERSION)
            .json(&body(request, stream));
        if let Some(key) = &self.0.api_key {
            builder = builder.header("x-api-key", key);
        }
        builder
    }
}

#[async_trait]
impl LlmProvider for Anthropic {
    fn id(&self) -> &str {
        &self.0.id
    }

    fn format(&self) -> WireFormat {
        WireFormat::Anthropic
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let response = http::send(self.request(request, true), &self.0.limits).await?;
        let mut assembler = Assembler {
            answers_as_tool: request.answer != AnswerFormat::Text,
            ..Assembler::default()
        };
        Ok(streaming::chunks(response, &self.0.limits, move |event| {
            assembler.absorb(event)
        }))
    }

    async fn models(&self) -> Result<Vec<Offered>, ProviderError> {
        let url = format!("{}/v1/models", self.0.base_url.trim_end_matches('/'));
        let mut builder = self
            .0
            .client
            .get(url)
            .header("anthropic-version", API_VERSION);
        if let Some(key) = &self.0.api_key {
            builder = builder.header("x-api-key", key);
        }
        let response = http::send(builder, &self.0.limits).await?;
        Ok(super::openai::offered(
            &streaming::json(response, &self.0.limits).await?,
        ))
    }

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let response = http::send(self.request(request, false), &self.0.limits).await?;
        let value = streaming::json(response, &self.0.limits).await?;
        let mut completion = Completion::empty();
        let answers_as_tool = request.answer != AnswerFormat::Text;
        for block in value["content"].as_array().into_iter().flatten() {
            match block["type"].as_str() {
                Some("text") => completion
                    .text
                    .push_str(block["text"].as_str().unwrap_or_default()),
                Some("tool_use") if answers_as_tool && block["name"] == ANSWER_TOOL => {
                    completion.text = block["input"].to_string();
                }
                Some("tool_use") => completion.tool_calls.push(ToolCall {
                    id: block["id"].as_str().unwrap_or_default().to_string(),
                    name: block["name"].as_str().unwrap_or_default().to_string(),
                    arguments: block["input"].clone(),
                }),
                _ => {}
            }
        }
        completion.usage = Usage {
            prompt_tokens: value
                .pointer("/usage/input_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            completion_tokens: value
                .pointer("/usage/output_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        };
        completion.finish = match stop_reason(value["stop_reason"].as_str().unwrap_or("end_turn")) {
            FinishReason::ToolCalls if completion.tool_calls.is_empty() => FinishReason::Stop,
            reason => reason,
        };
        Ok(completion)
    }
}

fn body(request: &ChatRequest, stream: bool) -> Value {
    // Anthropic wants alternating roles: consecutive tool results travel together in
    // one user message.
    let mut messages: Vec<Value> = Vec::new();
    for message in &request.messages {
        match message {
            Message::User(text) => messages.push(json!({"role": "user", "content": text})),
            Message::UserParts(parts) => {
                let blocks: Vec<Value> = parts
                    .iter()
                    .map(|part| match part {
                        Part::Text(text) => json!({"type": "text", "text": text}),
                        Part::Image(image) => {
                            let source = match image.inline() {
                                Some((media_type, data)) => {
                                    json!({"type": "base64", "media_type": media_type, "data": data})
                                }
                                None => json!({"type": "url", "url": image.url}),
                            };
                            json!({"type": "image", "source": source})
                        }
                    })
                    .collect();
                messages.push(json!({"role": "user", "content": blocks}));
            }
            Message::Assistant { text, tool_calls } => {
                let mut content: Vec<Value> = Vec::new();
                if !text.is_empty() {
                    content.push(json!({"type": "text", "text": text}));
                }
                for call in tool_calls {
                    content.push(json!({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}));
                }
                messages.push(json!({"role": "assistant", "content": content}));
            }
            Message::ToolResult {
                call_id,
                content,
                is_error,
            } => {
                let block = json!({"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error});
                match messages.last_mut() {
                    Some(last) if last["role"] == "user" && last["content"].is_array() => {
                        if let Some(blocks) = last["content"].as_array_mut() {
                            blocks.push(block);
                        }
                    }
                    _ => messages.push(json!({"role": "user", "content": [block]})),
                }
            }
        }
    }
    let mut body = json!({"model": request.model, "system": request.system, "messages": messages, "max_tokens": request.max_tokens, "stream": stream});
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if let Some(top_p) = request.top_p {
        body["top_p"] = json!(top_p);
    }
    if !request.stop.is_empty() {
        body["stop_sequences"] = json!(request.stop);
    }
    let mut tools: Vec<Value> = request
        .tools
        .iter()
        .map(
            |t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}),
        )
        .collect();
    // Messages has no JSON mode: a JSON answer is the input of a tool the model must
    // call (alone, or as one way out when it has tools of its own).
    let answer_schema = match &request.answer {
        AnswerFormat::Text => None,
        AnswerFormat::JsonObject => Some(json!({"type": "object"})),
        AnswerFormat::JsonSchema { schema, .. } => Some(schema.clone()),
    };
    if let Some(schema) = answer_schema {
        tools.push(json!({"name": ANSWER_TOOL, "description": "Give your final answer: call this with it.", "input_schema": schema}));
    }
    if tools.is_empty() {
        return body;
    }
    let answers_as_tool = request.answer != AnswerFormat::Text;
    let choice = match &request.tool_choice {
        ToolChoice::Auto | ToolChoice::None if answers_as_tool && request.tools.is_empty() => {
            json!({"type": "tool", "name": ANSWER_TOOL})
        }
        ToolChoice::None if answers_as_tool => json!({"type": "tool", "name": ANSWER_TOOL}),
        ToolChoice::Auto if answers_as_tool => json!({"type": "any"}),
        ToolChoice::Auto => json!({"type": "auto"}),
        ToolChoice::None => json!({"type": "none"}),
        ToolChoice::Required => json!({"type": "any"}),
        ToolChoice::Function(name) => json!({"type": "tool", "name": name}),
    };
    body["tools"] = json!(tools);
    body["tool_choice"] = choice;
    body
}

fn stop_reason(text: &str) -> FinishReason {
    match text {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "tool_use" => FinishReason::ToolCalls,
        "max_tokens" => FinishReason::Length,
        other => FinishReason::Other(other.to_string()),
    }
}

/// Content blocks stream by index: text deltas pass straight through, tool input JSON
/// is gathered and emitted when its block stops.
#[derive(Default)]
struct Assembler {
    tools: BTreeMap<u64, (String, String, String)>,
    usage: Usage,
    /// Whether a call of [`ANSWER_TOOL`] is the answer's text.
    answers_as_tool: bool,
    /// Whether a tool call went out (else `tool_use` as stop reason was the answer).
    called_tools: bool,
}

impl Assembler {
    fn absorb(&mut self, event: &SseEvent) -> Result<Vec<Chunk>, ProviderError> {
        let value: Value = serde_json::from_str(&event.data)
            .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        let index = value["index"].as_u64().unwrap_or(0);
        Ok(match value["type"].as_str().unwrap_or_default() {
            "message_start" => {
                self.usage.prompt_tokens = value
                    .pointer("/message/usage/input_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                Vec::new()
            }
            "content_block_start"
                if value.pointer("/content_block/type").and_then(Value::as_str)
                    == Some("tool_use") =>
            {
                let id = value
                    .pointer("/content_block/id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let name = value
                    .pointer("/content_block/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                self.tools
                    .insert(index, (id.to_string(), name.to_string(), String::new()));
                Vec::new()
            }
            "content_block_delta" => match value.pointer("/delta/type").and_then(Value::as_str) {
                Some("text_delta") => {
                    let text = value
                        .pointer("/delta/text")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    vec![Chunk::Text(text.to_string())]
                }
                Some("input_json_delta") => {
                    let part = value
                        .pointer("/delta/partial_json")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if let Some(tool) = self.tools.get_mut(&index) {
                        tool.2.push_str(part);
                    }
                    Vec::new()
                }
                _ => Vec::new(),
            },
            "content_block_stop" => match self.tools.remove(&index) {
                Some((_, name, arguments)) if self.answers_as_tool && name == ANSWER_TOOL => {
                    vec![Chunk::Text(parse_arguments(&arguments).to_string())]
                }
                Some((id, name, arguments)) => {
                    self.called_tools = true;
                    vec![Chunk::ToolCall(ToolCall {
                        id,
                        name,
                        arguments: parse_arguments(&arguments),
                    })]
                }
                None => Vec::new(),
            },
            "message_delta" => {
                if let Some(output) = value
                    .pointer("/usage/output_tokens")
                    .and_then(Value::as_u64)
                {
                    self.usage.completion_tokens = output;
                }
                match value.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    Some(reason) => {
                        let reason = match stop_reason(reason) {
                            FinishReason::ToolCalls if !self.called_tools => FinishReason::Stop,
                            reason => reason,
                        };
                        vec![Chunk::Usage(self.usage), Chunk::Finish(reason)]
                    }
                    None => Vec::new(),
                }
            }
            "error" => {
                let kind = value
                    .pointer("/error/type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let message: String = value
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                return Err(match kind {
                    "rate_limit_error" => ProviderError::RateLimited { retry_after: None },
                    _ => ProviderError::Server {
                        status: 529,
                        message,
                    },
                });
            }
            _ => Vec::new(),
        })
    }
}
