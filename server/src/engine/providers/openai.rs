//! The OpenAI chat-completions wire format.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::super::catalog::Price;
use super::chat::parse_arguments;
use super::http;
use super::http::Endpoint;
use super::sse::SseEvent;
use super::streaming;
use super::{
    AnswerFormat, ChatRequest, Chunk, ChunkStream, Completion, EmbedRequest, Embeddings,
    FinishReason, LlmProvider, Message, Offered, Part, ProviderError, ToolCall, ToolChoice, Usage,
    WireFormat,
};

/// `base_url` ends in `/v1` (or the provider's equivalent); `/chat/completions` is
/// appended. Azure's base URL is the resource's endpoint
/// (`https://NAME.openai.azure.com`).
pub struct OpenAi {
    pub endpoint: Endpoint,
    pub azure: Option<AzureApi>,
}

/// Azure OpenAI: a URL per deployment, an `api-version` on every call, the key in an
/// `api-key` header. A deployment is called by its name, as a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureApi {
    pub api_version: String,
    pub deployments: Vec<String>,
}

impl OpenAi {
    /// A call to `path` for `model` (`/chat/completions`, `/embeddings`, `/models`),
    /// with the key.
    fn call(&self, method: reqwest::Method, path: &str, model: &str) -> reqwest::RequestBuilder {
        let base = self.endpoint.base_url.trim_end_matches('/');
        let client = &self.endpoint.client;
        match &self.azure {
            None => {
                let builder = client.request(method, format!("{base}{path}"));
                match &self.endpoint.api_key {
                    Some(key) => builder.bearer_auth(key),
                    None => builder,
                }
            }
            Some(azure) => {
                let url = if path == "/models" {
                    format!("{base}/openai/models")
                } else {
                    format!("{base}/openai/deployments/{model}{path}")
                };
                let builder = client
                    .request(method, url)
                    .query(&[("api-version", azure.api_version.as_str())]);
                match &self.endpoint.api_key {
                    Some(key) => builder.header("api-key", key),
                    None => builder,
                }
            }
        }
    }

    fn request(&self, request: &ChatRequest, stream: bool) -> reqwest::RequestBuilder {
        self.call(reqwest::Method::POST, "/chat/completions", &request.model)
            .json(&body(request, stream))
    }
}

#[async_trait]
impl LlmProvider for OpenAi {
    fn id(&self) -> &str {
        &self.endpoint.id
    }

    fn format(&self) -> WireFormat {
        WireFormat::OpenAi
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let response = http::send(self.request(request, true), &self.endpoint.limits).await?;
        let mut assembler = Assembler::default();
        Ok(streaming::chunks(
            response,
            &self.endpoint.limits,
            move |event| assembler.absorb(event),
        ))
    }

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let response = http::send(self.request(request, false), &self.endpoint.limits).await?;
        parse_completion(&streaming::json(response, &self.endpoint.limits).await?)
    }

    /// Azure's list is of the models the resource could deploy; what can be called is
    /// the deployments, so those are the answer once the list says the key works.
    async fn models(&self) -> Result<Vec<Offered>, ProviderError> {
        let builder = self.call(reqwest::Method::GET, "/models", "");
        let response = http::send(builder, &self.endpoint.limits).await?;
        let listed = offered(&streaming::json(response, &self.endpoint.limits).await?);
        Ok(match &self.azure {
            Some(azure) => azure.deployments.iter().map(Offered::named).collect(),
            None => listed,
        })
    }

    async fn embed(&self, request: &EmbedRequest) -> Result<Embeddings, ProviderError> {
        let mut body = Value::Object(request.openai_extra.clone());
        body["model"] = json!(request.model);
        body["input"] = json!(request.inputs);
        body["encoding_format"] = json!("float");
        if let Some(dimensions) = request.dimensions {
            body["dimensions"] = json!(dimensions);
        }
        let call = self.call(reqwest::Method::POST, "/embeddings", &request.model);
        let response = http::send(call.json(&body), &self.endpoint.limits).await?;
        parse_embeddings(
            &streaming::json(response, &self.endpoint.limits).await?,
            request.inputs.len(),
        )
    }
}

/// `data[].id` of a model list (OpenAI's and Anthropic's have that in common), with
/// OpenRouter's `pricing` (dollars a token, as text) and `context_length` where given.
pub(super) fn offered(value: &Value) -> Vec<Offered> {
    value["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|model| {
            let id = model["id"].as_str()?.to_string();
            let per_token = |field: &str| model["pricing"][field].as_str().and_then(per_mtok);
            let price = match (per_token("prompt"), per_token("completion")) {
                (Some(input_per_mtok), Some(output_per_mtok)) => Some(Price {
                    input_per_mtok,
                    output_per_mtok,
                }),
                _ => None,
            };
            let context_window = model["context_length"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok());
            Some(Offered {
                id,
                price,
                context_window,
            })
        })
        .collect()
}

/// Dollars a token (`"0.0000003"`) as micro-dollars a million tokens (300000), exactly,
/// rounded up past a millionth of a micro-dollar; `None` for anything else (OpenRouter
/// writes `"-1"` for a router whose price varies).
fn per_mtok(text: &str) -> Option<i64> {
    const DIGITS: usize = 12; // 10^6 tokens × 10^6 micro-dollars
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let (kept, rest) = fraction.split_at(fraction.len().min(DIGITS));
    let mut value = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(10_i64.pow(DIGITS as u32))?
        .checked_add(format!("{kept:0<DIGITS$}").parse::<i64>().ok()?)?;
    if rest.chars().any(|c| c != '0') {
        value = value.checked_add(1)?;
    }
    Some(value)
}

/// `data[].embedding` in the inputs' order (each item names its `index`).
fn parse_embeddings(value: &Value, inputs: usize) -> Result<Embeddings, ProviderError> {
    let malformed = |what: &str| ProviderError::Malformed(format!("embeddings: {what}"));
    let mut vectors: Vec<Option<Vec<f32>>> = vec![None; inputs];
    for item in value["data"]
        .as_array()
        .ok_or_else(|| malformed("no data"))?
    {
        let index = item["index"]
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < inputs)
            .ok_or_else(|| malformed("an index out of range"))?;
        let vector = item["embedding"]
            .as_array()
            .ok_or_else(|| malformed("an embedding that is not a list of numbers"))?
            .iter()
            .map(|x| x.as_f64().map(|x| x as f32))
            .collect::<Option<Vec<f32>>>()
            .ok_or_else(|| malformed("an embedding that is not a list of numbers"))?;
        vectors[index] = Some(vector);
    }
    Ok(Embeddings {
        vectors: vectors
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| malformed("fewer vectors than inputs"))?,
        prompt_tokens: value
            .pointer("/usage/prompt_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    })
}

fn body(request: &ChatRequest, stream: bool) -> Value {
    let mut messages = vec![json!({"role": "system", "content": request.system})];
    for message in &request.messages {
        messages.push(match message {
            Message::User(text) => json!({"role": "user", "content": text}),
            Message::UserParts(parts) => {
                let parts: Vec<Value> = parts
                    .iter()
                    .map(|part| match part {
                        Part::Text(text) => json!({"type": "text", "text": text}),
                        Part::Image(image) => {
                            let mut url = json!({"url": image.url});
                            if let Some(detail) = &image.detail {
                                url["detail"] = json!(detail);
                            }
                            json!({"type": "image_url", "image_url": url})
                        }
                    })
                    .collect();
                json!({"role": "user", "content": parts})
            }
            Message::Assistant { text, tool_calls } => {
                let calls: Vec<Value> = tool_calls
                    .iter()
                    .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments.to_string()}}))
                    .collect();
                let content = if text.is_empty() { Value::Null } else { Value::String(text.clone()) };
                if calls.is_empty() {
                    json!({"role": "assistant", "content": content})
                } else {
                    json!({"role": "assistant", "content": content, "tool_calls": calls})
                }
            }
            Message::ToolResult { call_id, content, .. } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
        });
    }
    // Parameters passed through go first, so that nothing translated is overridden.
    let mut body = Value::Object(request.openai_extra.clone());
    body["model"] = json!(request.model);
    body["messages"] = json!(messages);
    body["max_tokens"] = json!(request.max_tokens);
    body["stream"] = json!(stream);
    if stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if let Some(top_p) = request.top_p {
        body["top_p"] = json!(top_p);
    }
    if !request.stop.is_empty() {
        body["stop"] = json!(request.stop);
    }
    match &request.answer {
        AnswerFormat::Text => {}
        AnswerFormat::JsonObject => body["response_format"] = json!({"type": "json_object"}),
        AnswerFormat::JsonSchema {
            name,
            schema,
            strict,
        } => {
            let mut format = json!({"name": name, "schema": schema});
            if let Some(strict) = strict {
                format["strict"] = json!(strict);
            }
            body["response_format"] = json!({"type": "json_schema", "json_schema": format});
        }
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
            .collect();
        // `auto` is every server's default; some OpenAI-format servers know no other.
        match &request.tool_choice {
            ToolChoice::Auto => {}
            ToolChoice::None => body["tool_choice"] = json!("none"),
            ToolChoice::Required => body["tool_choice"] = json!("required"),
            ToolChoice::Function(name) => {
                body["tool_choice"] = json!({"type": "function", "function": {"name": name}})
            }
        }
    }
    body
}

fn finish_reason(text: &str) -> FinishReason {
    match text {
        "stop" => FinishReason::Stop,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "length" => FinishReason::Length,
        other => FinishReason::Other(other.to_string()),
    }
}

fn usage(value: &Value) -> Option<Usage> {
    let usage = value.get("usage").filter(|u| u.is_object())?;
    Some(Usage {
        prompt_tokens: usage
            .get("prompt_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        completion_tokens: usage
            .get("completion_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    })
}

fn parse_completion(value: &Value) -> Result<Completion, ProviderError> {
    let choice = value
        .pointer("/choices/0")
        .ok_or_else(|| ProviderError::Malformed("no choices".into()))?;
    let message = &choice["message"];
    let tool_calls = message["tool_calls"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .map(|c| ToolCall {
                    id: c["id"].as_str().unwrap_or_default().to_string(),
                    name: c
                        .pointer("/function/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    arguments: parse_arguments(
                        c.pointer("/function/arguments")
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Completion {
        text: message["content"].as_str().unwrap_or_default().to_string(),
        tool_calls,
        usage: usage(value).unwrap_or_default(),
        finish: finish_reason(choice["finish_reason"].as_str().unwrap_or("stop")),
        logprobs: choice.get("logprobs").filter(|l| !l.is_null()).cloned(),
    })
}

/// Tool calls stream as fragments keyed by index; they are emitted whole once the
/// model finishes. Usage arrives in a final chunk with no choices.
#[derive(Default)]
struct Assembler {
    calls: BTreeMap<u64, (String, String, String)>,
    finish: Option<FinishReason>,
    done: bool,
}

impl Assembler {
    fn absorb(&mut self, event: &SseEvent) -> Result<Vec<Chunk>, ProviderError> {
        if event.data.trim() == "[DONE]" {
            self.done = true;
            return Ok(self.flush());
        }
        let value: Value = serde_json::from_str(&event.data)
            .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        if let Some(message) = value.pointer("/error/message").and_then(Value::as_str) {
            return Err(ProviderError::Server {
                status: 200,
                message: message.chars().take(300).collect(),
            });
        }
        let mut out = Vec::new();
        if let Some(choice) = value.pointer("/choices/0") {
            if let Some(text) = choice
                .pointer("/delta/content")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                out.push(Chunk::Text(text.to_string()));
            }
            if let Some(entries) = choice
                .pointer("/logprobs/content")
                .and_then(Value::as_array)
                .filter(|entries| !entries.is_empty())
            {
                out.push(Chunk::Logprobs(entries.clone()));
            }
            for call in choice
                .pointer("/delta/tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let index = call["index"].as_u64().unwrap_or(0);
                let entry = self.calls.entry(index).or_default();
                if let Some(id) = call["id"].as_str() {
                    entry.0 = id.to_string();
                }
                if let Some(name) = call.pointer("/function/name").and_then(Value::as_str) {
                    entry.1.push_str(name);
                }
                if let Some(arguments) = call.pointer("/function/arguments").and_then(Value::as_str)
                {
                    entry.2.push_str(arguments);
                }
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.finish = Some(finish_reason(reason));
            }
        }
        if let Some(usage) = usage(&value) {
            out.push(Chunk::Usage(usage));
        }
        Ok(out)
    }

    fn flush(&mut self) -> Vec<Chunk> {
        let mut out: Vec<Chunk> = std::mem::take(&mut self.calls)
            .into_values()
            .map(|(id, name, arguments)| {
                Chunk::ToolCall(ToolCall {
                    id,
                    name,
                    arguments: parse_arguments(&arguments),
                })
            })
            .collect();
        out.push(Chunk::Finish(
            self.finish.take().unwrap_or(FinishReason::Stop),
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openrouters_list_brings_exact_prices() {
        let list = json!({"data": [
            {"id": "qwen/qwen-2.5-72b-instruct", "context_length": 32768,
             "pricing": {"prompt": "0.00000035", "completion": "0.0000004"}},
            {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}},
            {"id": "gpt-4o-mini"}
        ]});
        let offered = offered(&list);
        assert_eq!(
            offered[0].price,
            Some(Price {
                input_per_mtok: 350_000,
                output_per_mtok: 400_000
            })
        );
        assert_eq!(offered[0].context_window, Some(32_768));
        assert_eq!(offered[1].price, None, "a price that varies is no price");
        assert_eq!(offered[2], Offered::named("gpt-4o-mini"));
        // Past a millionth of a micro-dollar a million tokens: rounded up, never down.
        assert_eq!(per_mtok("0.0000000000001"), Some(1));
        assert_eq!(per_mtok("2"), Some(2_000_000_000_000));
        assert_eq!(per_mtok("abc"), None);
    }
}
