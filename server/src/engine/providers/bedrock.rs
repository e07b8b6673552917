//! Amazon Bedrock's Converse API: `POST /model/{modelId}/converse`, streamed as
//! `/converse-stream` in AWS's binary event-stream framing
//! (`application/vnd.amazon.eventstream`), every request signed with SigV4 (the AWS SDK's
//! own `aws-sigv4` signer). One request shape serves every model family Bedrock hosts
//! (Claude, Nova, Llama, Mistral …): `messages` of content blocks (`text`, `toolUse`,
//! `toolResult`), `system`, `inferenceConfig` and `toolConfig`. Converse has no JSON
//! mode, so a JSON answer is asked for in the system prompt (and checked by whoever
//! asked). The model list comes from the control plane (`bedrock.{region}`,
//! `GET /foundation-models`).
//!
//! The key is `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, or with `:SESSION_TOKEN` after it for
//! temporary credentials; the region is the endpoint's
//! (`bedrock-runtime.{region}.amazonaws.com`), or `us-east-1` behind another address.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::{HeaderValue, Message as Frame};
use futures::StreamExt;
use serde_json::{Value, json};

use super::chat::{push_tool_result, sampling};
use super::http::{self, Endpoint};
use super::streaming;
use super::{
    AnswerFormat, ChatRequest, Chunk, ChunkStream, Completion, FinishReason, LlmProvider, Message,
    Offered, Part, ProviderError, ToolCall, ToolChoice, Usage, WireFormat,
};

/// The region when the address does not name one (a proxy, or a local stand-in).
const DEFAULT_REGION: &str = "us-east-1";

/// `base_url` is the runtime endpoint (`https://bedrock-runtime.us-east-1.amazonaws.com`).
pub struct Bedrock(pub Endpoint);

/// AWS credentials as the provider key carries them.
struct AwsKey<'a> {
    access_key_id: &'a str,
    secret: &'a str,
    session_token: Option<&'a str>,
}

impl<'a> AwsKey<'a> {
    fn parse(key: &'a str) -> Option<AwsKey<'a>> {
        let mut parts = key.splitn(3, ':');
        let access_key_id = parts.next().filter(|p| !p.is_empty())?;
        let secret = parts.next().filter(|p| !p.is_empty())?;
        Some(AwsKey {
            access_key_id,
            secret,
            session_token: parts.next().filter(|p| !p.is_empty()),
        })
    }
}

/// The region a Bedrock address is in.
/// The region a Bedrock address is in: the label after `bedrock-runtime` (the public
/// endpoint's, or a VPC endpoint's `vpce-….bedrock-runtime.{region}.vpce.amazonaws.com`).
pub fn region(base_url: &str) -> &str {
    let host = base_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default();
    let mut labels = host.split('.');
    labels
        .by_ref()
        .find(|label| *label == "bedrock-runtime")
        .and_then(|_| labels.next())
        .filter(|region| !region.is_empty())
        .unwrap_or(DEFAULT_REGION)
}

/// A model id as one path segment: Bedrock's ids carry `:` (`…-v1:0`), which the SDKs
/// send escaped.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The SigV4 headers (`authorization`, `x-amz-date`, and `x-amz-security-token` for
/// temporary credentials) for a request with these headers and body.
pub fn signature_headers(
    key: &str,
    region: &str,
    service: &str,
    request: (&str, &str, &[(&str, &str)], &[u8]),
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let (method, url, headers, body) = request;
    let key = AwsKey::parse(key)
        .ok_or("the Bedrock key is ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]")?;
    let identity = Credentials::new(
        key.access_key_id,
        key.secret,
        key.session_token.map(str::to_string),
        None,
        "agent-factory",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect())
}

impl Bedrock {
    /// A signed request. Without a key (a local stand-in) it goes unsigned.
    fn signed(
        &self,
        method: reqwest::Method,
        url: &str,
        service: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let content_type = "application/json";
        let mut builder = self
            .0
            .client
            .request(method.clone(), url)
            .header(reqwest::header::CONTENT_TYPE, content_type);
        if let Some(key) = &self.0.api_key {
            let headers = [("content-type", content_type)];
            let signed = signature_headers(
                key,
                region(&self.0.base_url),
                service,
                (method.as_str(), url, &headers, &body),
                SystemTime::now(),
            )
            .map_err(|reason| ProviderError::Rejected {
                status: 400,
                message: reason,
            })?;
            for (name, value) in signed {
                builder = builder.header(name, value);
            }
        }
        Ok(builder.body(body))
    }

    fn converse(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        request.inline_images_only("Bedrock")?;
        let base = self.0.base_url.trim_end_matches('/');
        let action = if stream {
            "converse-stream"
        } else {
            "converse"
        };
        let url = format!("{base}/model/{}/{action}", path_segment(&request.model));
        let body = serde_json::to_vec(&body(request))
            .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        self.signed(reqwest::Method::POST, &url, "bedrock", body)
    }

    /// The control plane's address: `bedrock.{region}` beside `bedrock-runtime.{region}`;
    /// any other address serves both.
    fn control_plane(&self) -> String {
        self.0
            .base_url
            .trim_end_matches('/')
            .replacen("://bedrock-runtime.", "://bedrock.", 1)
    }
}

#[async_trait]
impl LlmProvider for Bedrock {
    fn id(&self) -> &str {
        &self.0.id
    }

    fn format(&self) -> WireFormat {
        WireFormat::Bedrock
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let response = http::send(self.converse(request, true)?, &self.0.limits).await?;
        let mut assembler = Assembler::default();
        Ok(streaming::assembled(
            frames(response, &self.0.limits),
            move |frame| assembler.absorb(frame),
        ))
    }

    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let response = http::send(self.converse(request, false)?, &self.0.limits).await?;
        let value = streaming::json(response, &self.0.limits).await?;
        let mut completion = Completion::empty();
        for block in value["output"]["message"]["content"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(text) = block["text"].as_str() {
                completion.absorb(Chunk::Text(text.to_string()));
            } else if let Some(call) = block.get("toolUse") {
                completion.absorb(Chunk::ToolCall(ToolCall {
                    id: call["toolUseId"].as_str().unwrap_or_default().to_string(),
                    name: call["name"].as_str().unwrap_or_default().to_string(),
                    arguments: call["input"].clone(),
                }));
            }
        }
        completion.absorb(Chunk::Usage(usage(&value["usage"])));
        completion.absorb(Chunk::Finish(finish(value["stopReason"].as_str())));
        Ok(completion)
    }

    async fn models(&self) -> Result<Vec<Offered>, ProviderError> {
        let url = format!(
            "{}/foundation-models?byOutputModality=TEXT",
            self.control_plane()
        );
        let request = self.signed(reqwest::Method::GET, &url, "bedrock", Vec::new())?;
        let response = http::send(request, &self.0.limits).await?;
        let value = streaming::json(response, &self.0.limits).await?;
        Ok(value["modelSummaries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|model| {
                // Only what can be called on demand (others need provisioned throughput).
                model["inferenceTypesSupported"]
                    .as_array()
                    .is_none_or(|types| types.iter().any(|t| t == "ON_DEMAND"))
            })
            .filter_map(|model| Some(Offered::named(model["modelId"].as_str()?)))
            .collect())
    }
}

fn usage(value: &Value) -> Usage {
    Usage {
        prompt_tokens: value["inputTokens"].as_u64().unwrap_or(0),
        completion_tokens: value["outputTokens"].as_u64().unwrap_or(0),
    }
}

fn finish(reason: Option<&str>) -> FinishReason {
    match reason {
        Some("end_turn" | "stop_sequence") | None => FinishReason::Stop,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("max_tokens") => FinishReason::Length,
        Some(other) => FinishReason::Other(other.to_string()),
    }
}

/// The response body as event-stream messages (each checked against its CRCs).
fn frames(
    response: reqwest::Response,
    limits: &http::HttpLimits,
) -> impl futures::Stream<Item = Result<Frame, ProviderError>> + Send + 'static {
    let body = Box::pin(http::bounded_stream(response, limits));
    futures::stream::unfold(
        Some((body, bytes::BytesMut::new(), MessageFrameDecoder::new())),
        |state| async move {
            let (mut body, mut buffer, mut decoder) = state?;
            loop {
                match decoder.decode_frame(&mut buffer) {
                    Ok(DecodedFrame::Complete(frame)) => {
                        return Some((Ok(frame), Some((body, buffer, decoder))));
                    }
                    Ok(DecodedFrame::Incomplete) => {}
                    Err(error) => {
                        return Some((Err(ProviderError::Malformed(error.to_string())), None));
                    }
                }
                match body.next().await {
                    Some(Ok(piece)) => buffer.extend_from_slice(&piece),
                    Some(Err(error)) => return Some((Err(error), None)),
                    // Whatever is left is an incomplete frame: the stream was cut, which
                    // `streaming::assembled` reports.
                    None => return None,
                }
            }
        },
    )
}

/// Folds ConverseStream's events into chunks: text deltas as they come, a tool call
/// whole at the end of its block, and the finish after the usage (`metadata` follows
/// `messageStop`; a stream cut between them has lost its usage, and is reported cut).
#[derive(Default)]
struct Assembler {
    /// The tool-use block being received: id, name, and its input's JSON text so far.
    tool: Option<(String, String, String)>,
    stop_reason: Option<String>,
}

impl Assembler {
    fn absorb(&mut self, frame: &Frame) -> Result<Vec<Chunk>, ProviderError> {
        let header = |name: &str| {
            frame
                .headers()
                .iter()
                .find(|h| h.name().as_str() == name)
                .and_then(|h| match h.value() {
                    HeaderValue::String(value) => Some(value.as_str().to_string()),
                    _ => None,
                })
        };
        let payload: Value = serde_json::from_slice(frame.payload())
            .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        if header(":message-type").as_deref() == Some("exception") {
            return Err(exception(
                header(":exception-type").as_deref().unwrap_or_default(),
                payload["message"].as_str().unwrap_or_default(),
            ));
        }
        let mut out = Vec::new();
        match header(":event-type").as_deref() {
            Some("contentBlockStart") => {
                if let Some(tool) = payload.pointer("/start/toolUse") {
                    self.tool = Some((
                        tool["toolUseId"].as_str().unwrap_or_default().to_string(),
                        tool["name"].as_str().unwrap_or_default().to_string(),
                        String::new(),
                    ));
                }
            }
            Some("contentBlockDelta") => {
                let delta = &payload["delta"];
                if let Some(text) = delta["text"].as_str() {
                    if !text.is_empty() {
                        out.push(Chunk::Text(text.to_string()));
                    }
                } else if let (Some(input), Some((_, _, so_far))) = (
                    delta.pointer("/toolUse/input").and_then(Value::as_str),
                    &mut self.tool,
                ) {
                    so_far.push_str(input);
                }
            }
            Some("contentBlockStop") => {
                if let Some((id, name, input)) = self.tool.take() {
                    out.push(Chunk::ToolCall(ToolCall {
                        id,
                        name,
                        arguments: super::chat::parse_arguments(&input),
                    }));
                }
            }
            Some("messageStop") => {
                self.stop_reason = payload["stopReason"].as_str().map(str::to_string);
            }
            Some("metadata") => {
                out.push(Chunk::Usage(usage(&payload["usage"])));
                out.push(Chunk::Finish(finish(self.stop_reason.as_deref())));
            }
            _ => {}
        }
        Ok(out)
    }
}

/// An exception sent in the stream, by its type.
fn exception(kind: &str, message: &str) -> ProviderError {
    let message: String = message.chars().take(300).collect();
    match kind {
        "throttlingException" => ProviderError::RateLimited { retry_after: None },
        "validationException" => ProviderError::Rejected {
            status: 400,
            message,
        },
        "serviceUnavailableException" => ProviderError::Server {
            status: 503,
            message,
        },
        _ => ProviderError::Server {
            status: 500,
            message,
        },
    }
}

fn body(request: &ChatRequest) -> Value {
    let mut messages: Vec<Value> = Vec::new();
    for message in &request.messages {
        match message {
            Message::User(text) => {
                messages.push(json!({"role": "user", "content": [{"text": text}]}));
            }
            Message::UserParts(parts) => {
                // Images by address were refused before (see `converse`).
                let content: Vec<Value> = parts
                    .iter()
                    .filter_map(|part| match part {
                        Part::Text(text) => Some(json!({"text": text})),
                        Part::Image(image) => {
                            let (media_type, data) = image.inline()?;
                            let format = media_type.strip_prefix("image/").unwrap_or(media_type);
                            Some(json!({"image": {"format": format, "source": {"bytes": data}}}))
                        }
                    })
                    .collect();
                messages.push(json!({"role": "user", "content": content}));
            }
            Message::Assistant { text, tool_calls } => {
                let mut content: Vec<Value> = Vec::new();
                if !text.is_empty() {
                    content.push(json!({"text": text}));
                }
                for call in tool_calls {
                    content.push(json!({"toolUse": {"toolUseId": call.id, "name": call.name, "input": call.arguments}}));
                }
                messages.push(json!({"role": "assistant", "content": content}));
            }
            Message::ToolResult {
                call_id,
                content,
                is_error,
            } => {
                let block = json!({"toolResult": {
                    "toolUseId": call_id,
                    "content": [{"text": content}],
                    "status": if *is_error { "error" } else { "success" },
                }});
                push_tool_result(&mut messages, "content", "toolResult", block);
            }
        }
    }
    let inference = sampling(request, "maxTokens");
    let mut body = json!({"messages": messages, "inferenceConfig": inference});
    let mut system = request.system.clone();
    match &request.answer {
        AnswerFormat::Text => {}
        AnswerFormat::JsonObject => {
            system.push_str("\n\nAnswer with one JSON object and nothing else.");
        }
        AnswerFormat::JsonSchema { schema, .. } => {
            system.push_str(&format!(
                "\n\nAnswer with one JSON object matching this JSON Schema, and nothing else:\n{schema}"
            ));
        }
    }
    let system = system.trim();
    if !system.is_empty() {
        body["system"] = json!([{"text": system}]);
    }
    // Converse has no "none" choice, and refuses a conversation with tool blocks but no
    // tools: the tools go as offered whenever the conversation used them.
    let used_tools = request
        .messages
        .iter()
        .any(|m| matches!(m, Message::ToolResult { .. }));
    if request.tools.is_empty() || (request.tool_choice == ToolChoice::None && !used_tools) {
        return body;
    }
    let tools: Vec<Value> = request
        .tools
        .iter()
        .map(|t| json!({"toolSpec": {"name": t.name, "description": t.description, "inputSchema": {"json": t.parameters}}}))
        .collect();
    let mut config = json!({"tools": tools});
    match &request.tool_choice {
        ToolChoice::Auto | ToolChoice::None => {}
        ToolChoice::Required => config["toolChoice"] = json!({"any": {}}),
        ToolChoice::Function(name) => config["toolChoice"] = json!({"tool": {"name": name}}),
    }
    body["toolConfig"] = config;
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::providers::ToolSpec;

    #[test]
    fn a_conversation_with_tools_is_written_as_converse_reads_it() {
        let request = ChatRequest {
            model: "amazon.nova-lite-v1:0".into(),
            system: "Be brief.".into(),
            messages: vec![
                Message::User("add 1 and 2".into()),
                Message::Assistant {
                    text: String::new(),
                    tool_calls: vec![ToolCall {
                        id: "t1".into(),
                        name: "calculator".into(),
                        arguments: json!({"expression": "1+2"}),
                    }],
                },
                Message::ToolResult {
                    call_id: "t1".into(),
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
            stop: vec!["END".into()],
            answer: AnswerFormat::JsonObject,
            ..ChatRequest::default()
        };
        let body = body(&request);
        assert_eq!(
            body["messages"][1]["content"][0]["toolUse"]["toolUseId"],
            "t1"
        );
        assert_eq!(
            body["messages"][2]["content"][0]["toolResult"],
            json!({"toolUseId": "t1", "content": [{"text": "3"}], "status": "success"})
        );
        assert_eq!(
            body["toolConfig"]["toolChoice"],
            json!({"tool": {"name": "calculator"}})
        );
        assert_eq!(
            body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"],
            json!({"json": {"type": "object"}})
        );
        assert_eq!(
            body["inferenceConfig"],
            json!({"maxTokens": 100, "stopSequences": ["END"]})
        );
        let system = body["system"][0]["text"].as_str().unwrap();
        assert!(
            system.starts_with("Be brief.") && system.contains("JSON object"),
            "{system}"
        );
    }

    #[test]
    fn the_region_is_the_endpoints_and_model_ids_are_escaped() {
        assert_eq!(
            region("https://bedrock-runtime.eu-west-3.amazonaws.com"),
            "eu-west-3"
        );
        assert_eq!(
            region("https://vpce-1a2b.bedrock-runtime.us-west-2.vpce.amazonaws.com"),
            "us-west-2"
        );
        assert_eq!(region("http://127.0.0.1:4000"), DEFAULT_REGION);
        assert_eq!(
            path_segment("anthropic.claude-3-5-haiku-20241022-v1:0"),
            "anthropic.claude-3-5-haiku-20241022-v1%3A0"
        );
    }

    #[test]
    fn signing_adds_sigv4_headers_and_refuses_a_malformed_key() {
        let headers = signature_headers(
            "AKIDEXAMPLE:secret:token",
            "us-east-1",
            "bedrock",
            (
                "POST",
                "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse",
                &[("content-type", "application/json")],
                b"{}",
            ),
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        )
        .unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let authorization = get("authorization").unwrap();
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/bedrock/aws4_request"
            ),
            "{authorization}"
        );
        assert_eq!(get("x-amz-date"), Some("20231114T221320Z"));
        assert_eq!(get("x-amz-security-token"), Some("token"));
        assert!(
            signature_headers(
                "no-secret",
                "us-east-1",
                "bedrock",
                ("GET", "https://x/", &[], b""),
                SystemTime::now()
            )
            .is_err()
        );
    }

    #[test]
    fn stream_events_become_text_a_whole_tool_call_usage_and_the_finish() {
        use aws_smithy_types::event_stream::Header;
        let event = |kind: &str, payload: Value| {
            Frame::new(serde_json::to_vec(&payload).unwrap())
                .add_header(Header::new(
                    ":message-type",
                    HeaderValue::String("event".into()),
                ))
                .add_header(Header::new(
                    ":event-type",
                    HeaderValue::String(kind.to_string().into()),
                ))
        };
        let mut assembler = Assembler::default();
        let mut chunks = Vec::new();
        for frame in [
            event("messageStart", json!({"role": "assistant"})),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"text": "Let me add."}}),
            ),
            event("contentBlockStop", json!({"contentBlockIndex": 0})),
            event(
                "contentBlockStart",
                json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "calculator"}}}),
            ),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"expression\":"}}}),
            ),
            event(
                "contentBlockDelta",
                json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "\"1+2\"}"}}}),
            ),
            event("contentBlockStop", json!({"contentBlockIndex": 1})),
            event("messageStop", json!({"stopReason": "tool_use"})),
            event(
                "metadata",
                json!({"usage": {"inputTokens": 9, "outputTokens": 4, "totalTokens": 13}, "metrics": {"latencyMs": 5}}),
            ),
        ] {
            chunks.extend(assembler.absorb(&frame).unwrap());
        }
        assert_eq!(
            chunks,
            vec![
                Chunk::Text("Let me add.".into()),
                Chunk::ToolCall(ToolCall {
                    id: "t1".into(),
                    name: "calculator".into(),
                    arguments: json!({"expression": "1+2"}),
                }),
                Chunk::Usage(Usage {
                    prompt_tokens: 9,
                    completion_tokens: 4
                }),
                Chunk::Finish(FinishReason::ToolCalls),
            ]
        );
        let throttled = Frame::new(br#"{"message": "slow down"}"#.to_vec())
            .add_header(Header::new(
                ":message-type",
                HeaderValue::String("exception".into()),
            ))
            .add_header(Header::new(
                ":exception-type",
                HeaderValue::String("throttlingException".into()),
            ));
        assert_eq!(
            Assembler::default().absorb(&throttled),
            Err(ProviderError::RateLimited { retry_after: None })
        );
    }
}
