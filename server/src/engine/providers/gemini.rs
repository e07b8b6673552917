//! Google's Gemini API: `POST /v1beta/models/{model}:generateContent`, streamed as
//! `:streamGenerateContent?alt=sse` (each event a whole response carrying the new parts;
//! the last has the finish reason and the usage). The conversation is `contents` of
//! `parts` with the roles `user` and `model`; tools are `functionDeclarations`, whose
//! calls carry no id (we number them, and answer each `functionResponse` by name).

use async_trait::async_trait;
use serde_json::{Value, json};

use super::chat::{push_tool_result, sampling};
use super::http::{self, Endpoint};
use super::sse::SseEvent;
use super::streaming;
use super::{
    AnswerFormat, ChatRequest, Chunk, ChunkStream, Completion, FinishReason, LlmProvider, Message,
    Offered, Part, ProviderError, ToolCall, ToolChoice, Usage, WireFormat,
};

/// `base_url` is the API's root (`https://generativelanguage.googleapis.com`).
pub struct Gemini(pub Endpoint);

impl Gemini {
    fn call(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.0.api_key {
            Some(key) => builder.header("x-goog-api-key", key),
            None => builder,
        }
    }

    fn request(&self, request: &ChatRequest, stream: bool) -> reqwest::RequestBuilder {
        let base = self.0.base_url.trim_end_matches('/');
        let model = &request.model;
        let builder = if stream {
            self.0
                .client
                .post(format!(
                    "{base}/v1beta/models/{model}:streamGenerateContent"
                ))
                .query(&[("alt", "sse")])
        } else {
            self.0
                .client
                .post(format!("{base}/v1beta/models/{model}:generateContent"))
        };
        self.call(builder).json(&body(request))
    }
}

#[async_trait]
impl LlmProvider for Gemini {
    fn id(&self) -> &str {
        &self.0.id
    }

    fn format(&self) -> WireFormat {
        WireFormat::Gemini
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        request.inline_images_only("Gemini")?;
        let response = http::send(self.request(request, true), &self.0.limits).await?;
        let mut calls = 0;
        Ok(streaming::chunks(response, &self.0.limits, move |event| {
            let value = parse_event(event)?;
            Ok(chunks(&value, &mut calls))
        }))
    }

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        request.inline_images_only("Gemini")?;
        let response = http::send(self.request(request, false), &self.0.limits).await?;
        let value = streaming::json(response, &self.0.limits).await?;
        let mut completion = Completion::empty();
        for chunk in chunks(&value, &mut 0) {
            completion.absorb(chunk);
        }
        Ok(completion)
    }

    async fn models(&self) -> Result<Vec<Offered>, ProviderError> {
        let url = format!("{}/v1beta/models", self.0.base_url.trim_end_matches('/'));
        let response = http::send(self.call(self.0.client.get(url)), &self.0.limits).await?;
        let value = streaming::json(response, &self.0.limits).await?;
        Ok(value["models"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|model| {
                let name = model["name"].as_str()?.trim_start_matches("models/");
                Some(Offered {
                    context_window: model["inputTokenLimit"]
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok()),
                    ..Offered::named(name)
                })
            })
            .collect())
    }
}

fn parse_event(event: &SseEvent) -> Result<Value, ProviderError> {
    let value: Value =
        serde_json::from_str(&event.data).map_err(|e| ProviderError::Malformed(e.to_string()))?;
    // An error in the middle of a stream comes as an event of its own.
    if let Some(error) = value.get("error") {
        let message: String = error["message"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        return Err(match error["status"].as_str() {
            Some("RESOURCE_EXHAUSTED") => ProviderError::RateLimited { retry_after: None },
            _ => ProviderError::Server {
                status: u16::try_from(error["code"].as_u64().unwrap_or(500)).unwrap_or(500),
                message,
            },
        });
    }
    Ok(value)
}

/// The chunks of one response (the whole answer, or one streamed piece). `calls`
/// numbers the function calls of the answer, which Gemini leaves without ids.
fn chunks(value: &Value, calls: &mut usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    let candidate = &value["candidates"][0];
    let mut called = false;
    for part in candidate["content"]["parts"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(text) = part["text"].as_str() {
            // Thoughts are the model's own; only the answer is passed on.
            if !text.is_empty() && part["thought"] != true {
                out.push(Chunk::Text(text.to_string()));
            }
        } else if let Some(call) = part.get("functionCall") {
            *calls += 1;
            called = true;
            out.push(Chunk::ToolCall(ToolCall {
                id: call["id"]
                    .as_str()
                    .map_or_else(|| format!("call_{calls}"), str::to_string),
                name: call["name"].as_str().unwrap_or_default().to_string(),
                arguments: call["args"].clone(),
            }));
        }
    }
    if let Some(usage) = value.get("usageMetadata") {
        let count = |field: &str| usage[field].as_u64().unwrap_or(0);
        out.push(Chunk::Usage(Usage {
            prompt_tokens: count("promptTokenCount"),
            // Thinking is billed as output.
            completion_tokens: count("candidatesTokenCount") + count("thoughtsTokenCount"),
        }));
    }
    if let Some(reason) = candidate["finishReason"].as_str() {
        out.push(Chunk::Finish(match reason {
            "STOP" if called || *calls > 0 => FinishReason::ToolCalls,
            "STOP" => FinishReason::Stop,
            "MAX_TOKENS" => FinishReason::Length,
            other => FinishReason::Other(other.to_lowercase()),
        }));
    }
    out
}

fn body(request: &ChatRequest) -> Value {
    let mut contents: Vec<Value> = Vec::new();
    for message in &request.messages {
        match message {
            Message::User(text) => {
                contents.push(json!({"role": "user", "parts": [{"text": text}]}));
            }
            Message::UserParts(parts) => {
                // Images by address were refused before (see `stream`).
                let parts: Vec<Value> = parts
                    .iter()
                    .filter_map(|part| match part {
                        Part::Text(text) => Some(json!({"text": text})),
                        Part::Image(image) => {
                            let (mime_type, data) = image.inline()?;
                            Some(json!({"inlineData": {"mimeType": mime_type, "data": data}}))
                        }
                    })
                    .collect();
                contents.push(json!({"role": "user", "parts": parts}));
            }
            Message::Assistant { text, tool_calls } => {
                let mut parts: Vec<Value> = Vec::new();
                if !text.is_empty() {
                    parts.push(json!({"text": text}));
                }
                for call in tool_calls {
                    parts
                        .push(json!({"functionCall": {"name": call.name, "args": call.arguments}}));
                }
                contents.push(json!({"role": "model", "parts": parts}));
            }
            Message::ToolResult {
                call_id,
                content,
                is_error,
            } => {
                let name = called_name(&request.messages, call_id);
                let response = if *is_error {
                    json!({"error": content})
                } else {
                    json!({"content": content})
                };
                let part = json!({"functionResponse": {"name": name, "response": response}});
                push_tool_result(&mut contents, "parts", "functionResponse", part);
            }
        }
    }
    let mut generation = sampling(request, "maxOutputTokens");
    match &request.answer {
        AnswerFormat::Text => {}
        AnswerFormat::JsonObject => {
            generation.insert("responseMimeType".into(), json!("application/json"));
        }
        AnswerFormat::JsonSchema { schema, .. } => {
            generation.insert("responseMimeType".into(), json!("application/json"));
            generation.insert("responseJsonSchema".into(), schema.clone());
        }
    }
    let mut body = json!({"contents": contents, "generationConfig": generation});
    if !request.system.is_empty() {
        body["systemInstruction"] = json!({"parts": [{"text": request.system}]});
    }
    if !request.tools.is_empty() {
        let declarations: Vec<Value> = request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "parametersJsonSchema": t.parameters}))
            .collect();
        body["tools"] = json!([{"functionDeclarations": declarations}]);
        body["toolConfig"] = json!({"functionCallingConfig": match &request.tool_choice {
            ToolChoice::Auto => json!({"mode": "AUTO"}),
            ToolChoice::None => json!({"mode": "NONE"}),
            ToolChoice::Required => json!({"mode": "ANY"}),
            ToolChoice::Function(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
        }});
    }
    body
}

/// The function a tool result answers: the call with that id earlier in the
/// conversation (Gemini matches results to calls by name).
fn called_name<'a>(messages: &'a [Message], call_id: &str) -> &'a str {
    messages
        .iter()
        .filter_map(|message| match message {
            Message::Assistant { tool_calls, .. } => Some(tool_calls),
            _ => None,
        })
        .flatten()
        .find(|call| call.id == call_id)
        .map_or("", |call| call.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::providers::ToolSpec;

    #[test]
    fn a_conversation_with_tools_is_written_as_gemini_reads_it() {
        let request = ChatRequest {
            model: "gemini-2.5-flash".into(),
            system: "Be brief.".into(),
            messages: vec![
                Message::User("add 1 and 2".into()),
                Message::Assistant {
                    text: String::new(),
                    tool_calls: vec![ToolCall {
                        id: "call_1".into(),
                        name: "calculator".into(),
                        arguments: json!({"expression": "1+2"}),
                    }],
                },
                Message::ToolResult {
                    call_id: "call_1".into(),
                    content: "3".into(),
                    is_error: false,
                },
            ],
            tools: vec![ToolSpec {
                name: "calculator".into(),
                description: "adds".into(),
                parameters: json!({"type": "object"}),
            }],
            tool_choice: ToolChoice::Function("calculator".into()),
            max_tokens: 100,
            answer: AnswerFormat::JsonObject,
            ..ChatRequest::default()
        };
        let body = body(&request);
        assert_eq!(body["systemInstruction"]["parts"][0]["text"], "Be brief.");
        assert_eq!(body["contents"][1]["role"], "model");
        assert_eq!(
            body["contents"][1]["parts"][0]["functionCall"]["name"],
            "calculator"
        );
        assert_eq!(
            body["contents"][2]["parts"][0]["functionResponse"],
            json!({"name": "calculator", "response": {"content": "3"}})
        );
        assert_eq!(
            body["toolConfig"]["functionCallingConfig"],
            json!({"mode": "ANY", "allowedFunctionNames": ["calculator"]})
        );
        assert_eq!(
            body["generationConfig"]["responseMimeType"],
            "application/json"
        );
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 100);
    }

    #[test]
    fn a_response_becomes_text_calls_usage_and_the_finish() {
        let response = json!({
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "thinking", "thought": true},
                {"functionCall": {"name": "calculator", "args": {"expression": "1+2"}}}
            ]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 3, "thoughtsTokenCount": 2}
        });
        let chunks = chunks(&response, &mut 0);
        assert_eq!(
            chunks,
            vec![
                Chunk::ToolCall(ToolCall {
                    id: "call_1".into(),
                    name: "calculator".into(),
                    arguments: json!({"expression": "1+2"}),
                }),
                Chunk::Usage(Usage {
                    prompt_tokens: 7,
                    completion_tokens: 5
                }),
                Chunk::Finish(FinishReason::ToolCalls),
            ]
        );
    }
}
