//! Google's Gemini API (`/v1beta/models/{model}:generateContent`, and
//! `:streamGenerateContent?alt=sse`): the model and whether to stream are in the URL,
//! the key in `x-goog-api-key`; `contents` of `parts` (text, `functionCall`,
//! `functionResponse`), a `systemInstruction`, `functionDeclarations`, and a
//! `generationConfig`. A streamed reply is a series of whole responses, each carrying
//! the new text; the last has the finish reason and the usage.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::behaviour::Answer;
use crate::conversation::{Conversation, Role, Turn};
use crate::exchange::{self, Wire, header_text};
use crate::state::Shared;
use crate::stream::{self, Ending, Events};
use crate::usage::{self, Words};

pub(crate) struct Gemini;

/// `POST /v1beta/models/{model}:{action}`.
pub(crate) async fn generate(
    shared: State<Arc<Shared>>,
    Path(call): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    match call.rsplit_once(':') {
        Some((_, "generateContent" | "streamGenerateContent")) => {
            exchange::exchange::<Gemini>(shared, uri, headers, raw).await
        }
        _ => Gemini::error(
            StatusCode::NOT_FOUND,
            &format!("Unknown request URL: POST {}.", uri.path()),
        ),
    }
}

/// `GET /v1beta/models`.
pub(crate) async fn models(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let refused = (StatusCode::UNAUTHORIZED, "API key not valid.");
    if let Some(refusal) = exchange::refuse_listing::<Gemini>(&shared, &uri, &headers, refused) {
        return refusal;
    }
    let names: Vec<&str> = if shared.models.is_empty() {
        vec!["gemini-2.5-flash", "gemini-2.5-pro"]
    } else {
        shared.models.iter().map(String::as_str).collect()
    };
    let models: Vec<Value> = names
        .into_iter()
        .map(|name| json!({"name": format!("models/{name}"), "displayName": name}))
        .collect();
    Json(json!({"models": models})).into_response()
}

impl Wire for Gemini {
    fn presented_key(headers: &HeaderMap) -> Option<&str> {
        header_text(headers, "x-goog-api-key").filter(|key| !key.is_empty())
    }

    fn conversation(uri: &Uri, body: &Value) -> Conversation {
        let call = uri.path().rsplit('/').next().unwrap_or_default();
        let (model, action) = call.rsplit_once(':').unwrap_or((call, ""));
        let mut turns = Vec::new();
        for content in body["contents"].as_array().into_iter().flatten() {
            let role = match content["role"].as_str() {
                Some("model") => Role::Assistant,
                _ => Role::User,
            };
            let mut text = String::new();
            for part in content["parts"].as_array().into_iter().flatten() {
                if let Some(words) = part["text"].as_str() {
                    text.push_str(words);
                } else if let Some(call) = part.get("functionCall") {
                    text.push_str(&call["args"].to_string());
                } else if let Some(answer) = part.get("functionResponse") {
                    let result = &answer["response"]["content"];
                    turns.push(Turn {
                        role: Role::Tool,
                        text: result
                            .as_str()
                            .map_or_else(|| answer["response"].to_string(), str::to_owned),
                    });
                }
            }
            if !text.is_empty() || role == Role::Assistant {
                turns.push(Turn { role, text });
            }
        }
        let system = body
            .pointer("/systemInstruction/parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|part| part["text"].as_str())
            .collect();
        let declarations: Vec<&Value> = body["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|tool| tool["functionDeclarations"].as_array())
            .flatten()
            .collect();
        let config = &body["toolConfig"]["functionCallingConfig"];
        let forced_tool = match config["allowedFunctionNames"].as_array() {
            Some(names) if config["mode"] == "ANY" && names.len() == 1 => declarations
                .iter()
                .find(|d| d["name"] == names[0])
                .map(|d| {
                    let schema = d.get("parametersJsonSchema").or(d.get("parameters"));
                    (
                        names[0].as_str().unwrap_or_default().to_owned(),
                        schema.cloned().unwrap_or_default(),
                    )
                }),
            _ => None,
        };
        let generation = &body["generationConfig"];
        Conversation {
            model: model.to_owned(),
            system,
            turns,
            has_tools: !declarations.is_empty(),
            stream: action == "streamGenerateContent",
            max_tokens: exchange::count_field(generation, "maxOutputTokens"),
            json_schema: generation
                .get("responseJsonSchema")
                .or(generation.get("responseSchema"))
                .cloned(),
            forced_tool,
        }
    }

    fn error(status: StatusCode, message: &str) -> Response {
        let kind = match status.as_u16() {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        };
        let body = json!({"error": {"code": status.as_u16(), "message": message, "status": kind}});
        (status, Json(body)).into_response()
    }

    fn answer(
        shared: &Shared,
        conversation: &Conversation,
        _body: &Value,
        answer: Answer,
    ) -> Response {
        let reply = Reply {
            model: &conversation.model,
            prompt_tokens: usage::prompt_tokens(conversation),
        };
        let mut events = Events::new(shared.token_delay);
        match answer {
            Answer::Text { text, cut_after } => {
                let mut words = Words::of(&text, conversation.max_tokens);
                let finish = if words.truncated {
                    "MAX_TOKENS"
                } else {
                    "STOP"
                };
                if !conversation.stream {
                    let whole = reply.response(
                        json!([{"text": words.text()}]),
                        Some(finish),
                        words.tokens(),
                    );
                    return match cut_after {
                        Some(_) => stream::truncated_json(&whole),
                        None => Json(whole).into_response(),
                    };
                }
                if let Some(after) = cut_after {
                    words.pieces.truncate(after);
                }
                let last = words.pieces.len().saturating_sub(1);
                for (i, piece) in words.pieces.iter().enumerate() {
                    let done = (i == last && cut_after.is_none()).then_some(finish);
                    let part = json!([{"text": piece}]);
                    events.push_token(stream::data(&reply.response(part, done, words.tokens())));
                }
                if cut_after.is_some() {
                    return events.into_response(Ending::Drop, shared.shutdown());
                }
            }
            Answer::Tool { name, arguments } => {
                let tokens = usage::tool_call_tokens(&arguments.to_string());
                let part = json!([{"functionCall": {"name": name, "args": arguments}}]);
                let whole = reply.response(part, Some("STOP"), tokens);
                if !conversation.stream {
                    return Json(whole).into_response();
                }
                events.push(stream::data(&whole));
            }
        }
        events.into_response(Ending::Complete, shared.shutdown())
    }
}

/// What every response of one reply shares.
struct Reply<'a> {
    model: &'a str,
    prompt_tokens: u64,
}

impl Reply<'_> {
    /// A `GenerateContentResponse` with these parts; the finish reason and the full
    /// usage on the last one.
    fn response(&self, parts: Value, finish: Option<&str>, completion_tokens: u64) -> Value {
        let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
        let mut response = json!({"candidates": [], "modelVersion": self.model});
        if let Some(reason) = finish {
            candidate["finishReason"] = json!(reason);
            response["usageMetadata"] = json!({
                "promptTokenCount": self.prompt_tokens,
                "candidatesTokenCount": completion_tokens,
                "totalTokenCount": self.prompt_tokens + completion_tokens,
            });
        }
        response["candidates"] = json!([candidate]);
        response
    }
}
