//! Amazon Bedrock's Converse API (`POST /model/{modelId}/converse`, and
//! `/converse-stream`): every request must carry a valid SigV4 signature (checked with
//! AWS's own signer against the required key, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`);
//! `messages` of content blocks (`text`, `toolUse`, `toolResult`), `system`,
//! `inferenceConfig` and `toolConfig`. A streamed reply is AWS's binary event stream
//! (`application/vnd.amazon.eventstream`): `messageStart`, a `contentBlockDelta` per
//! word, `contentBlockStop`, `messageStop`, then `metadata` with the usage. Errors are
//! `{"message"}` with `x-amzn-ErrorType`. `GET /foundation-models` is the control
//! plane's model list.

use std::sync::Arc;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::behaviour::Answer;
use crate::conversation::{Conversation, Role, Turn};
use crate::exchange::{self, Wire, header_text};
use crate::state::Shared;
use crate::stream::{self, Ending, Events};
use crate::usage::{self, Words};

pub(crate) struct Bedrock;

const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

/// `POST /model/{modelId}/{converse|converse-stream}`.
pub(crate) async fn converse(
    shared: State<Arc<Shared>>,
    axum::extract::Path((_, action)): axum::extract::Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    match action.as_str() {
        "converse" | "converse-stream" => {
            exchange::exchange::<Bedrock>(shared, uri, headers, raw).await
        }
        _ => Bedrock::error(
            StatusCode::NOT_FOUND,
            &format!("Unknown request URL: POST {}.", uri.path()),
        ),
    }
}

/// `GET /foundation-models`.
pub(crate) async fn models(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let refused = (
        StatusCode::FORBIDDEN,
        "The request signature we calculated does not match the signature you provided.",
    );
    if let Some(refusal) = exchange::refuse_listing::<Bedrock>(&shared, &uri, &headers, refused) {
        return refusal;
    }
    let ids: Vec<&str> = if shared.models.is_empty() {
        vec![
            "amazon.nova-lite-v1:0",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
        ]
    } else {
        shared.models.iter().map(String::as_str).collect()
    };
    let summaries: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            json!({"modelId": id, "modelName": id, "outputModalities": ["TEXT"],
                   "responseStreamingSupported": true, "inferenceTypesSupported": ["ON_DEMAND"]})
        })
        .collect();
    Json(json!({"modelSummaries": summaries})).into_response()
}

impl Wire for Bedrock {
    /// The access key id the signature names.
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        let authorization = header_text(headers, "authorization")?;
        let credential = authorization.split("Credential=").nth(1)?;
        credential.split('/').next().filter(|id| !id.is_empty())
    }

    fn authorized(
        shared: &Shared,
        method: &str,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> bool {
        match shared.required_key() {
            Some(required) => verify(required, method, uri, headers, body),
            None => Self::presented_key(headers).is_some(),
        }
    }

    fn conversation(uri: &Uri, body: &Value) -> Conversation {
        let mut segments = uri.path().rsplit('/');
        let action = segments.next().unwrap_or_default();
        let model = segments.next().unwrap_or_default().replace("%3A", ":");
        let mut turns = Vec::new();
        for message in body["messages"].as_array().into_iter().flatten() {
            let role = match message["role"].as_str() {
                Some("assistant") => Role::Assistant,
                _ => Role::User,
            };
            let mut text = String::new();
            for block in message["content"].as_array().into_iter().flatten() {
                if let Some(words) = block["text"].as_str() {
                    text.push_str(words);
                } else if let Some(call) = block.get("toolUse") {
                    text.push_str(&call["input"].to_string());
                } else if let Some(result) = block.get("toolResult") {
                    turns.push(Turn {
                        role: Role::Tool,
                        text: crate::conversation::content_text(&result["content"]),
                    });
                }
            }
            if !text.is_empty() || role == Role::Assistant {
                turns.push(Turn { role, text });
            }
        }
        let system = body["system"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|block| block["text"].as_str())
            .collect();
        let tools = body["toolConfig"]["tools"].as_array();
        let forced_tool = body
            .pointer("/toolConfig/toolChoice/tool/name")
            .and_then(Value::as_str)
            .and_then(|name| {
                let spec = tools?
                    .iter()
                    .find(|tool| tool["toolSpec"]["name"] == name)?;
                Some((
                    name.to_owned(),
                    spec["toolSpec"]["inputSchema"]["json"].clone(),
                ))
            });
        Conversation {
            model,
            system,
            turns,
            has_tools: tools.is_some_and(|tools| !tools.is_empty()),
            stream: action == "converse-stream",
            max_tokens: exchange::count_field(&body["inferenceConfig"], "maxTokens"),
            json_schema: None,
            forced_tool,
        }
    }

    fn error(status: StatusCode, message: &str) -> Response {
        let kind = match status.as_u16() {
            400 => "ValidationException",
            401 | 403 => "AccessDeniedException",
            404 => "ResourceNotFoundException",
            429 => "ThrottlingException",
            503 => "ServiceUnavailableException",
            _ => "InternalServerException",
        };
        let mut response = (status, Json(json!({"message": message}))).into_response();
        if let Ok(value) = kind.parse() {
            response.headers_mut().insert("x-amzn-errortype", value);
        }
        response
    }

    fn answer(
        shared: &Shared,
        conversation: &Conversation,
        _body: &Value,
        answer: Answer,
    ) -> Response {
        let prompt_tokens = usage::prompt_tokens(conversation);
        let usage_of = |completion: u64| json!({"inputTokens": prompt_tokens, "outputTokens": completion, "totalTokens": prompt_tokens + completion});
        let mut events = Events::new(shared.token_delay);
        match answer {
            Answer::Text { text, cut_after } => {
                let mut words = Words::of(&text, conversation.max_tokens);
                let stop = if words.truncated {
                    "max_tokens"
                } else {
                    "end_turn"
                };
                if !conversation.stream {
                    let whole = json!({
                        "output": {"message": {"role": "assistant", "content": [{"text": words.text()}]}},
                        "stopReason": stop,
                        "usage": usage_of(words.tokens()),
                        "metrics": {"latencyMs": 1},
                    });
                    return match cut_after {
                        Some(_) => stream::truncated_json(&whole),
                        None => Json(whole).into_response(),
                    };
                }
                events.push(frame("messageStart", &json!({"role": "assistant"})));
                if let Some(after) = cut_after {
                    words.pieces.truncate(after);
                }
                for piece in &words.pieces {
                    events.push_token(frame(
                        "contentBlockDelta",
                        &json!({"contentBlockIndex": 0, "delta": {"text": piece}}),
                    ));
                }
                if cut_after.is_some() {
                    return events.into_response_as(EVENT_STREAM, Ending::Drop, shared.shutdown());
                }
                events.push(frame("contentBlockStop", &json!({"contentBlockIndex": 0})));
                events.push(frame("messageStop", &json!({"stopReason": stop})));
                events.push(frame(
                    "metadata",
                    &json!({"usage": usage_of(words.tokens()), "metrics": {"latencyMs": 1}}),
                ));
            }
            Answer::Tool { name, arguments } => {
                let id = format!("tooluse_fake{}", shared.next_id());
                let input = arguments.to_string();
                let tokens = usage::tool_call_tokens(&input);
                if !conversation.stream {
                    return Json(json!({
                        "output": {"message": {"role": "assistant", "content": [
                            {"toolUse": {"toolUseId": id, "name": name, "input": arguments}}
                        ]}},
                        "stopReason": "tool_use",
                        "usage": usage_of(tokens),
                        "metrics": {"latencyMs": 1},
                    }))
                    .into_response();
                }
                events.push(frame("messageStart", &json!({"role": "assistant"})));
                events.push(frame(
                    "contentBlockStart",
                    &json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": id, "name": name}}}),
                ));
                // The input arrives in pieces, as Bedrock sends it.
                for piece in stream::fragments(&input) {
                    events.push(frame(
                        "contentBlockDelta",
                        &json!({"contentBlockIndex": 0, "delta": {"toolUse": {"input": piece}}}),
                    ));
                }
                events.push(frame("contentBlockStop", &json!({"contentBlockIndex": 0})));
                events.push(frame("messageStop", &json!({"stopReason": "tool_use"})));
                events.push(frame(
                    "metadata",
                    &json!({"usage": usage_of(tokens), "metrics": {"latencyMs": 1}}),
                ));
            }
        }
        events.into_response_as(EVENT_STREAM, Ending::Complete, shared.shutdown())
    }
}

/// One event of the stream, framed (lengths, headers, payload and CRCs).
fn frame(event_type: &'static str, payload: &Value) -> Bytes {
    let message = Message::new(payload.to_string().into_bytes())
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let mut bytes = Vec::new();
    // Writing to a Vec fails only for frames over the format's 16 MB limit.
    if aws_smithy_eventstream::frame::write_message_to(&message, &mut bytes).is_err() {
        bytes.clear();
    }
    Bytes::from(bytes)
}

/// Whether the request is signed, by SigV4, with the required key: the signature is
/// computed again from what arrived (the headers it says it signed, the body, the time
/// and scope it names) and must be the same.
fn verify(required: &str, method: &str, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> bool {
    let Some((access_key_id, secret)) = required.split_once(':') else {
        return false;
    };
    let Some(authorization) = header_text(headers, "authorization") else {
        return false;
    };
    let field = |name: &str| {
        authorization
            .split(name)
            .nth(1)
            .and_then(|rest| rest.split([',', ' ']).next())
    };
    let (Some(credential), Some(signed_headers)) = (field("Credential="), field("SignedHeaders="))
    else {
        return false;
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [id, _date, region, service, "aws4_request"] = scope[..] else {
        return false;
    };
    let Some(time) = header_text(headers, "x-amz-date").and_then(amz_time) else {
        return false;
    };
    if id != access_key_id {
        return false;
    }
    // What SigV4 adds itself is left for it to add again.
    let signed: Vec<(&str, &str)> = signed_headers
        .split(';')
        .filter(|name| !matches!(*name, "x-amz-date" | "x-amz-security-token"))
        .filter_map(|name| Some((name, header_text(headers, name)?)))
        .collect();
    let host = header_text(headers, "host").unwrap_or_default();
    let url = format!(
        "http://{host}{}",
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let identity = Credentials::new(
        access_key_id,
        secret,
        header_text(headers, "x-amz-security-token").map(str::to_owned),
        None,
        "fake-llm",
    )
    .into();
    let Ok(params) = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
    else {
        return false;
    };
    let Ok(signable) =
        SignableRequest::new(method, &url, signed.into_iter(), SignableBody::Bytes(body))
    else {
        return false;
    };
    let Ok(output) = sign(signable, &params.into()) else {
        return false;
    };
    let (instructions, _) = output.into_parts();
    instructions
        .headers()
        .any(|(name, value)| name == "authorization" && value == authorization)
}

/// `x-amz-date` (`20231114T221320Z`) as a time.
fn amz_time(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    let parsed = aws_smithy_types::DateTime::from_str(
        &rfc3339,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .ok()?;
    SystemTime::try_from(parsed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_are_read() {
        let time = amz_time("20231114T221320Z").unwrap();
        assert_eq!(
            time.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_700_000_000
        );
        assert_eq!(amz_time("2023-11-14"), None);
    }

    #[test]
    fn an_unsigned_or_wrongly_signed_request_is_refused() {
        let uri: Uri = "/model/m/converse".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert!(!verify("AKID:secret", "POST", &uri, &headers, b"{}"));
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
                .parse()
                .unwrap(),
        );
        headers.insert("x-amz-date", "20231114T221320Z".parse().unwrap());
        headers.insert("host", "127.0.0.1:1".parse().unwrap());
        assert!(!verify("AKID:secret", "POST", &uri, &headers, b"{}"));
    }
}
