//! The OpenAI chat completions wire format (`/v1/chat/completions`), plus the OpenAI-style
//! model list and unknown-URL error.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::behaviour::Answer;
use crate::conversation::{Conversation, Role, Turn, content_text, forced_tool};
use crate::exchange::{Wire, count_field, header_text};
use crate::state::{RecordedRequest, Shared};
use crate::stream::{self, Ending, Events};
use crate::usage::{self, Words};

/// The models `GET /v1/models` lists unless told others.
const MODELS: [&str; 4] = [
    "gpt-4o-mini",
    "gpt-4o",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
];

pub(crate) struct OpenAi;

impl Wire for OpenAi {
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        presented_key(headers)
    }

    fn conversation(_uri: &Uri, body: &Value) -> Conversation {
        let mut system = Vec::new();
        let mut turns = Vec::new();
        for message in body["messages"].as_array().into_iter().flatten() {
            let text = content_text(&message["content"]);
            let role = match message["role"].as_str() {
                Some("system" | "developer") => {
                    system.push(text);
                    continue;
                }
                Some("user") => Role::User,
                Some("assistant") => Role::Assistant,
                Some("tool" | "function") => Role::Tool,
                _ => continue,
            };
            let calls = message["tool_calls"].as_array().into_iter().flatten();
            let arguments = calls.filter_map(|call| call["function"]["arguments"].as_str());
            let text = std::iter::once(text.as_str()).chain(arguments).collect();
            turns.push(Turn { role, text });
        }
        let listed = |field: &str| body[field].as_array().is_some_and(|list| !list.is_empty());
        Conversation {
            model: body["model"].as_str().unwrap_or("fake-model").to_owned(),
            system: system.concat(),
            turns,
            // `functions` is the legacy name of `tools`.
            has_tools: listed("tools") || listed("functions"),
            stream: body["stream"].as_bool().unwrap_or(false),
            max_tokens: count_field(body, "max_completion_tokens")
                .or_else(|| count_field(body, "max_tokens")),
            json_schema: body.pointer("/response_format/json_schema/schema").cloned(),
            forced_tool: forced_tool(body, "/tool_choice/function/name", "/function/parameters"),
        }
    }

    fn error(status: StatusCode, message: &str) -> Response {
        let (kind, code) = match status.as_u16() {
            401 => ("invalid_request_error", json!("invalid_api_key")),
            429 => ("requests", json!("rate_limit_exceeded")),
            500.. => ("server_error", Value::Null),
            _ => ("invalid_request_error", Value::Null),
        };
        let body = json!({
            "error": {"message": message, "type": kind, "param": null, "code": code}
        });
        (status, Json(body)).into_response()
    }

    fn answer(
        shared: &Shared,
        conversation: &Conversation,
        body: &Value,
        answer: Answer,
    ) -> Response {
        let completion = Completion {
            id: format!("chatcmpl-fake{}", shared.next_id()),
            created: unix_now(),
            model: &conversation.model,
            include_usage: body["stream_options"]["include_usage"]
                .as_bool()
                .unwrap_or(false),
            prompt_tokens: usage::prompt_tokens(conversation),
            logprobs: (body["logprobs"] == true)
                .then(|| count_field(body, "top_logprobs").unwrap_or(0)),
        };
        let mut events = Events::new(shared.token_delay);
        match answer {
            Answer::Text { text, cut_after } => {
                let mut words = Words::of(&text, conversation.max_tokens);
                let finish = if words.truncated { "length" } else { "stop" };
                if !conversation.stream {
                    let message =
                        json!({"role": "assistant", "content": words.text(), "refusal": null});
                    let mut reply = completion.complete(message, finish, words.tokens());
                    reply["choices"][0]["logprobs"] = completion.logprobs(&words.pieces);
                    return match cut_after {
                        Some(_) => stream::truncated_json(&reply),
                        None => Json(reply).into_response(),
                    };
                }
                if let Some(after) = cut_after {
                    words.pieces.truncate(after);
                }
                events.push(completion.chunk(
                    json!({"role": "assistant", "content": "", "refusal": null}),
                    None,
                ));
                for piece in &words.pieces {
                    let mut chunk = completion.choice(json!({"content": piece}), None);
                    chunk["logprobs"] = completion.logprobs(&[piece]);
                    events.push_token(completion.chunk_with(json!([chunk]), Value::Null));
                }
                if cut_after.is_some() {
                    return events.into_response(Ending::Drop, shared.shutdown());
                }
                completion.finish(&mut events, finish, words.tokens());
            }
            Answer::Tool { name, arguments } => {
                let arguments = arguments.to_string();
                let id = format!("call_fake{}", shared.next_id());
                let tokens = usage::tool_call_tokens(&arguments);
                if !conversation.stream {
                    let call = json!({
                        "id": id,
                        "type": "function",
                        "function": {"name": name, "arguments": arguments},
                    });
                    let message = json!({
                        "role": "assistant", "content": null, "tool_calls": [call], "refusal": null
                    });
                    return Json(completion.complete(message, "tool_calls", tokens))
                        .into_response();
                }
                // The first delta names the call; the arguments follow in fragments.
                let call = json!({
                    "index": 0,
                    "id": id,
                    "type": "function",
                    "function": {"name": name, "arguments": ""},
                });
                events.push(completion.chunk(
                    json!({"role": "assistant", "content": null, "tool_calls": [call], "refusal": null}),
                    None,
                ));
                for fragment in stream::fragments(&arguments) {
                    let call = json!({"index": 0, "function": {"arguments": fragment}});
                    events.push_token(completion.chunk(json!({"tool_calls": [call]}), None));
                }
                completion.finish(&mut events, "tool_calls", tokens);
            }
        }
        events.into_response(Ending::Complete, shared.shutdown())
    }
}

/// The fields every response of one completion shares.
struct Completion<'a> {
    id: String,
    created: u64,
    model: &'a str,
    include_usage: bool,
    prompt_tokens: u64,
    /// `logprobs: true` was asked for, with this many alternatives a token.
    logprobs: Option<usize>,
}

impl Completion<'_> {
    fn usage(&self, completion_tokens: u64) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": self.prompt_tokens + completion_tokens,
        })
    }

    /// A non-streaming `chat.completion`.
    fn complete(&self, message: Value, finish_reason: &str, completion_tokens: u64) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": [{
                "index": 0,
                "message": message,
                "logprobs": null,
                "finish_reason": finish_reason,
            }],
            "usage": self.usage(completion_tokens),
        })
    }

    fn chunk_with(&self, choices: Value, usage: Value) -> Bytes {
        let mut chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
        });
        // Like OpenAI: with usage requested every chunk has the field, null until the last.
        if self.include_usage {
            chunk["usage"] = usage;
        }
        stream::data(&chunk)
    }

    fn choice(&self, delta: Value, finish_reason: Option<&str>) -> Value {
        json!({"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason})
    }

    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> Bytes {
        self.chunk_with(json!([self.choice(delta, finish_reason)]), Value::Null)
    }

    /// A choice's `logprobs` for these tokens when they were asked for (null if not):
    /// made-up but fixed figures, the first alternative always the token itself.
    fn logprobs(&self, tokens: &[&str]) -> Value {
        let Some(alternatives) = self.logprobs else {
            return Value::Null;
        };
        let entry = |token: &str, logprob: f64| json!({"token": token, "logprob": logprob, "bytes": token.as_bytes()});
        let content: Vec<Value> = tokens
            .iter()
            .map(|token| {
                let logprob = -(token.len() as f64) / 100.0;
                let mut chosen = entry(token, logprob);
                chosen["top_logprobs"] = (0..alternatives)
                    .map(|rank| entry(if rank == 0 { token } else { "?" }, logprob - rank as f64))
                    .collect();
                chosen
            })
            .collect();
        json!({"content": content, "refusal": null})
    }

    /// The finishing chunk, the usage chunk when asked for, and `[DONE]`.
    fn finish(&self, events: &mut Events, finish_reason: &str, completion_tokens: u64) {
        events.push(self.chunk(json!({}), Some(finish_reason)));
        if self.include_usage {
            events.push(self.chunk_with(json!([]), self.usage(completion_tokens)));
        }
        events.push(Bytes::from_static(b"data: [DONE]\n\n"));
    }
}

/// A key as OpenAI's clients send it (`Authorization: Bearer`), or Azure's (`api-key`).
pub(crate) fn presented_key(headers: &HeaderMap) -> Option<&str> {
    bearer(headers).or_else(|| header_text(headers, "api-key"))
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, "authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|key| !key.is_empty())
}

/// `GET /v1/models`. Accepts either provider's key header, since both kinds of client list
/// models.
pub(crate) async fn models(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let presented = presented_key(&headers).or_else(|| header_text(&headers, "x-api-key"));
    let authorized = shared.authorized(presented);
    shared.record(RecordedRequest {
        path: uri.path().to_owned(),
        body: Value::Null,
        authorized,
    });
    if shared.key_required() && !authorized {
        return OpenAi::error(StatusCode::UNAUTHORIZED, "Invalid API key provided.");
    }
    let created = unix_now();
    let told = shared.models.iter().map(String::as_str);
    let data: Vec<Value> = (if shared.models.is_empty() {
        MODELS.to_vec()
    } else {
        told.collect()
    })
    .into_iter()
    .map(|entry| {
        // `id|prompt|completion`: listed with prices, as OpenRouter lists its models.
        let mut parts = entry.split('|');
        let id = parts.next().unwrap_or_default();
        let mut model =
            json!({"id": id, "object": "model", "created": created, "owned_by": "fake-llm"});
        if let (Some(prompt), Some(completion)) = (parts.next(), parts.next()) {
            model["pricing"] = json!({"prompt": prompt, "completion": completion});
            model["context_length"] = json!(32_768);
        }
        model
    })
    .collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

/// Any other path: OpenAI's own answer, which makes a wrong base URL easy to spot.
pub(crate) async fn unknown_url(method: Method, uri: Uri) -> Response {
    OpenAi::error(
        StatusCode::NOT_FOUND,
        &format!("Unknown request URL: {method} {}.", uri.path()),
    )
}

/// Seconds since the Unix epoch, for the `created` fields.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
