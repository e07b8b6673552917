//! The Anthropic Messages wire format (`/v1/messages`).

use axum::Json;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::behaviour::Answer;
use crate::conversation::{Conversation, Role, Turn, content_text, forced_tool};
use crate::exchange::{Wire, count_field, header_text};
use crate::state::Shared;
use crate::stream::{self, Ending, Events};
use crate::usage::{self, Words};

pub(crate) struct Anthropic;

impl Wire for Anthropic {
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        header_text(headers, "x-api-key").filter(|key| !key.is_empty())
    }

    /// The real API rejects requests without a version, so clients that forget it must fail
    /// here too.
    fn reject_headers(headers: &HeaderMap) -> Option<Response> {
        header_text(headers, "anthropic-version")
            .is_none()
            .then(|| {
                Anthropic::error(
                    StatusCode::BAD_REQUEST,
                    "anthropic-version: header is required",
                )
            })
    }

    fn conversation(_uri: &Uri, body: &Value) -> Conversation {
        let mut turns = Vec::new();
        for message in body["messages"].as_array().into_iter().flatten() {
            let role = match message["role"].as_str() {
                Some("user") => Role::User,
                Some("assistant") => Role::Assistant,
                _ => continue,
            };
            let content = &message["content"];
            let Some(blocks) = content.as_array() else {
                turns.push(Turn {
                    role,
                    text: content_text(content),
                });
                continue;
            };
            // Tool results travel inside user messages; each becomes its own tool turn, ahead
            // of any text the message also carries (the API requires them first).
            let mut text = Vec::new();
            for block in blocks {
                match block["type"].as_str() {
                    Some("tool_result") => turns.push(Turn {
                        role: Role::Tool,
                        text: content_text(&block["content"]),
                    }),
                    Some("tool_use") => text.push(block["input"].to_string()),
                    Some("text") => text.extend(block["text"].as_str().map(str::to_owned)),
                    _ => {}
                }
            }
            if !text.is_empty() {
                turns.push(Turn {
                    role,
                    text: text.concat(),
                });
            }
        }
        Conversation {
            model: body["model"].as_str().unwrap_or("fake-model").to_owned(),
            system: content_text(&body["system"]),
            turns,
            has_tools: body["tools"]
                .as_array()
                .is_some_and(|tools| !tools.is_empty()),
            stream: body["stream"].as_bool().unwrap_or(false),
            max_tokens: count_field(body, "max_tokens"),
            json_schema: None,
            forced_tool: forced_tool(body, "/tool_choice/name", "/input_schema"),
        }
    }

    fn error(status: StatusCode, message: &str) -> Response {
        let kind = match status.as_u16() {
            400 => "invalid_request_error",
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            413 => "request_too_large",
            429 => "rate_limit_error",
            529 => "overloaded_error",
            _ => "api_error",
        };
        let body = json!({"type": "error", "error": {"type": kind, "message": message}});
        (status, Json(body)).into_response()
    }

    fn answer(
        shared: &Shared,
        conversation: &Conversation,
        _body: &Value,
        answer: Answer,
    ) -> Response {
        let message = Message {
            id: format!("msg_fake{}", shared.next_id()),
            model: &conversation.model,
            input_tokens: usage::prompt_tokens(conversation),
        };
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
                    let content = json!([{"type": "text", "text": words.text()}]);
                    let reply = message.complete(content, stop, words.tokens());
                    return match cut_after {
                        Some(_) => stream::truncated_json(&reply),
                        None => Json(reply).into_response(),
                    };
                }
                if let Some(after) = cut_after {
                    words.pieces.truncate(after);
                }
                message.start(&mut events, json!({"type": "text", "text": ""}));
                for piece in &words.pieces {
                    let delta = json!({"type": "text_delta", "text": piece});
                    events.push_token(block_delta(delta));
                }
                if cut_after.is_some() {
                    return events.into_response(Ending::Drop, shared.shutdown());
                }
                message.finish(&mut events, stop, words.tokens());
            }
            Answer::Tool { name, arguments } => {
                let id = format!("toolu_fake{}", shared.next_id());
                let json_text = arguments.to_string();
                let tokens = usage::tool_call_tokens(&json_text);
                if !conversation.stream {
                    let content =
                        json!([{"type": "tool_use", "id": id, "name": name, "input": arguments}]);
                    return Json(message.complete(content, "tool_use", tokens)).into_response();
                }
                message.start(
                    &mut events,
                    json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                );
                for fragment in stream::fragments(&json_text) {
                    let delta = json!({"type": "input_json_delta", "partial_json": fragment});
                    events.push_token(block_delta(delta));
                }
                message.finish(&mut events, "tool_use", tokens);
            }
        }
        events.into_response(Ending::Complete, shared.shutdown())
    }
}

/// The fields every response of one message shares. Replies have a single content block.
struct Message<'a> {
    id: String,
    model: &'a str,
    input_tokens: u64,
}

impl Message<'_> {
    fn with(&self, content: Value, stop_reason: Option<&str>, output_tokens: u64) -> Value {
        json!({
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": null,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": output_tokens},
        })
    }

    fn complete(&self, content: Value, stop_reason: &str, output_tokens: u64) -> Value {
        self.with(content, Some(stop_reason), output_tokens)
    }

    /// `message_start`, the opening of content block 0, and a `ping`, in the API's order.
    fn start(&self, events: &mut Events, block: Value) {
        let start = json!({"type": "message_start", "message": self.with(json!([]), None, 0)});
        events.push(stream::event("message_start", &start));
        let block = json!({"type": "content_block_start", "index": 0, "content_block": block});
        events.push(stream::event("content_block_start", &block));
        events.push(stream::event("ping", &json!({"type": "ping"})));
    }

    fn finish(&self, events: &mut Events, stop_reason: &str, output_tokens: u64) {
        let stop = json!({"type": "content_block_stop", "index": 0});
        events.push(stream::event("content_block_stop", &stop));
        let delta = json!({
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": null},
            "usage": {"output_tokens": output_tokens},
        });
        events.push(stream::event("message_delta", &delta));
        let done = json!({"type": "message_stop"});
        events.push(stream::event("message_stop", &done));
    }
}

fn block_delta(delta: Value) -> bytes::Bytes {
    let delta = json!({"type": "content_block_delta", "index": 0, "delta": delta});
    stream::event("content_block_delta", &delta)
}
