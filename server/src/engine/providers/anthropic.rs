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
    ChatRequest, Chunk, ChunkStream, Completion, FinishReason, LlmProvider, Message, ProviderError,
    ToolCall, Usage,
};

const API_VERSION: &str = "2023-06-01";

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

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let response = http::send(self.request(request, true), &self.0.limits).await?;
        let mut assembler = Assembler::default();
        Ok(streaming::chunks(response, &self.0.limits, move |event| {
            assembler.absorb(event)
        }))
    }

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let response = http::send(self.request(request, false), &self.0.limits).await?;
        let value = streaming::json(response, &self.0.limits).await?;
        let mut completion = Completion::empty();
        for block in value["content"].as_array().into_iter().flatten() {
            match block["type"].as_str() {
                Some("text") => completion
                    .text
                    .push_str(block["text"].as_str().unwrap_or_default()),
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
        completion.finish = stop_reason(value["stop_reason"].as_str().unwrap_or("end_turn"));
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
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
    }
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
                Some((id, name, arguments)) => vec![Chunk::ToolCall(ToolCall {
                    id,
                    name,
                    arguments: parse_arguments(&arguments),
                })],
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
                        vec![Chunk::Usage(self.usage), Chunk::Finish(stop_reason(reason))]
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
