//! OpenAI's chat-completions wire format, as the gateway speaks it: requests in, and
//! answers and stream chunks out, so any OpenAI SDK works unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::engine::providers::{
    AnswerFormat, ChatRequest, Completion, FinishReason, Image, Message, Part, ToolCall,
    ToolChoice, ToolSpec, Usage,
};

/// The body of `POST /v1/chat/completions`. Every parameter of OpenAI's is taken: the
/// ones that shape the answer are translated for every provider, hints are forwarded
/// where the provider's format has them, and anything else (a parameter newer than
/// this list) is forwarded to OpenAI-format providers only — never dropped unsaid.
#[derive(Debug, Deserialize)]
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
    pub top_p: Option<f32>,
    #[serde(default)]
    pub tools: Vec<WireTool>,
    pub tool_choice: Option<Value>,
    /// The deprecated form of `tools`, still sent by older clients.
    #[serde(default)]
    pub functions: Vec<WireFunction>,
    pub function_call: Option<Value>,
    pub n: Option<u32>,
    pub stop: Option<Value>,
    pub response_format: Option<Value>,
    pub logprobs: Option<bool>,
    pub top_logprobs: Option<u32>,
    pub modalities: Option<Vec<String>>,
    /// Everything else: hints ([`HINTS`]) and parameters we do not know.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// OpenAI parameters that tune an answer but do not change what it is: forwarded to
/// OpenAI-format providers; elsewhere they have no equivalent, and the answer says which
/// went unused (`X-Gateway-Ignored-Params`).
pub const HINTS: &[&str] = &[
    "seed",
    "user",
    "metadata",
    "store",
    "service_tier",
    "prompt_cache_key",
    "safety_identifier",
    "parallel_tool_calls",
    "reasoning_effort",
    "verbosity",
    "prediction",
    "presence_penalty",
    "frequency_penalty",
];

/// The most alternatives a token `top_logprobs` may ask for (OpenAI's limit).
const MAX_TOP_LOGPROBS: u32 = 20;

/// The most answers one request may ask for (`n`).
pub const MAX_CHOICES: u32 = 8;

/// A request as the router takes it, and what the answer must look like.
#[derive(Debug)]
pub struct Parsed {
    pub chat: ChatRequest,
    /// How many answers (`n`): each is a call of its own.
    pub choices: u32,
    /// A parameter only an OpenAI-format provider can take, if the request has one.
    pub needs_openai_format: Option<String>,
    /// The hints the request carries.
    pub hints: Vec<String>,
    /// The request used `functions`: the answer uses `function_call` too.
    pub legacy_functions: bool,
}

/// A problem with the request: the parameter at fault, the message, and OpenAI's code.
#[derive(Debug, PartialEq)]
pub struct Unfit {
    pub param: String,
    pub message: String,
    pub code: &'static str,
}

fn unfit(param: impl Into<String>, message: impl Into<String>) -> Unfit {
    Unfit {
        param: param.into(),
        message: message.into(),
        code: "invalid_value",
    }
}

fn unsupported(param: impl Into<String>, message: impl Into<String>) -> Unfit {
    Unfit {
        code: "unsupported_parameter",
        ..unfit(param, message)
    }
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
    /// A deprecated-style function call the assistant made.
    pub function_call: Option<WireFunctionCall>,
}

/// Text, or a list of parts of which the text ones are used.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Parts(Vec<Value>),
}

impl Content {
    /// A user message's parts in order, when it has images (`None`: text alone).
    fn with_images(&self) -> Option<Result<Vec<Part>, Unfit>> {
        let Content::Parts(parts) = self else {
            return None;
        };
        if !parts.iter().any(|part| part["type"] == "image_url") {
            return None;
        }
        Some(
            parts
                .iter()
                .map(|part| match (part["type"].as_str(), part["text"].as_str()) {
                    (Some("text"), Some(text)) => Ok(Part::Text(text.to_string())),
                    (Some("image_url"), _) => image(&part["image_url"]).map(Part::Image),
                    (kind, _) => Err(unsupported(
                        "",
                        format!(
                            "content parts of type `{}` are not supported; send text or image_url",
                            kind.unwrap_or("?")
                        ),
                    )),
                })
                .collect(),
        )
    }

    pub fn text(&self) -> Result<String, String> {
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

/// An `image_url` part's image: a `data:` URL (PNG, JPEG, GIF or WebP, base64), or an
/// `https:` URL for the provider to fetch.
fn image(value: &Value) -> Result<Image, Unfit> {
    let url = value["url"].as_str().or(value.as_str()).unwrap_or_default();
    let inline_ok = |rest: &str| {
        rest.split_once(";base64,")
            .is_some_and(|(media_type, data)| {
                matches!(
                    media_type,
                    "image/png" | "image/jpeg" | "image/gif" | "image/webp"
                ) && !data.is_empty()
            })
    };
    let fits = match url.strip_prefix("data:") {
        Some(rest) => inline_ok(rest),
        None => url.starts_with("https://"),
    };
    if !fits {
        return Err(unfit(
            "",
            "An image is an https URL or a data URL (data:image/png;base64,…; PNG, JPEG, GIF or WebP).",
        ));
    }
    Ok(Image {
        url: url.to_string(),
        detail: value["detail"].as_str().map(str::to_string),
    })
}

#[derive(Debug, Deserialize, Serialize)]
pub struct WireToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    pub function: WireFunctionCall,
}

impl WireToolCall {
    fn to_call(&self) -> ToolCall {
        ToolCall {
            id: self.id.clone(),
            ..self.function.to_call()
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
pub struct WireFunctionCall {
    pub name: String,
    /// JSON text, as OpenAI sends it.
    pub arguments: String,
}

impl WireFunctionCall {
    fn to_call(&self) -> ToolCall {
        ToolCall {
            id: String::new(),
            name: self.name.clone(),
            arguments: serde_json::from_str(&self.arguments)
                .unwrap_or(Value::String(self.arguments.clone())),
        }
    }
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

impl WireFunction {
    fn to_spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.name.clone(),
            description: self.description.clone(),
            parameters: self.parameters.clone(),
        }
    }
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
    /// The provider-neutral request, or the first problem, naming its parameter.
    pub fn parse(&self) -> Result<Parsed, Unfit> {
        if self.messages.is_empty() {
            return Err(unfit("messages", "Send at least one message."));
        }
        let choices = self.n.unwrap_or(1);
        if !(1..=MAX_CHOICES).contains(&choices) {
            return Err(unfit("n", format!("Ask for 1 to {MAX_CHOICES} answers.")));
        }
        if self.temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
            return Err(unfit("temperature", "Use a temperature from 0 to 2."));
        }
        if self.top_p.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err(unfit("top_p", "Use a top_p from 0 to 1."));
        }
        let logprobs = self.logprobs == Some(true);
        if let Some(top) = self.top_logprobs {
            if top > MAX_TOP_LOGPROBS {
                return Err(unfit(
                    "top_logprobs",
                    format!("Ask for 0 to {MAX_TOP_LOGPROBS} alternatives a token."),
                ));
            }
            if top > 0 && !logprobs {
                return Err(unfit("top_logprobs", "top_logprobs needs logprobs: true."));
            }
        }
        if let Some(modality) = self
            .modalities
            .iter()
            .flatten()
            .find(|m| m.as_str() != "text")
        {
            return Err(unsupported(
                "modalities",
                format!("Only text answers are available, not `{modality}`."),
            ));
        }
        let (system, messages) = self.conversation()?;
        let tools = self.tools()?;
        let tool_choice = self.tool_choice(&tools)?;
        let mut hints = Vec::new();
        let mut needs_openai_format = None;
        for (name, value) in &self.other {
            if value.is_null() {
                continue;
            }
            if HINTS.contains(&name.as_str()) {
                hints.push(name.clone());
            } else if needs_openai_format.is_none() {
                needs_openai_format = Some(name.clone());
            }
        }
        let mut openai_extra = self.other.clone();
        if logprobs {
            // Only OpenAI-format providers give log probabilities: asked of them as sent.
            openai_extra.insert("logprobs".into(), json!(true));
            if let Some(top) = self.top_logprobs {
                openai_extra.insert("top_logprobs".into(), json!(top));
            }
            needs_openai_format.get_or_insert_with(|| "logprobs".into());
        }
        let chat = ChatRequest {
            model: self.model.clone(),
            system,
            messages,
            tools,
            tool_choice,
            max_tokens: self
                .max_completion_tokens
                .or(self.max_tokens)
                .unwrap_or(DEFAULT_MAX_TOKENS)
                .max(1),
            temperature: self.temperature,
            top_p: self.top_p,
            stop: stop_sequences(self.stop.as_ref())?,
            answer: answer_format(self.response_format.as_ref())?,
            openai_extra,
        };
        Ok(Parsed {
            chat,
            choices,
            needs_openai_format,
            hints,
            legacy_functions: !self.functions.is_empty(),
        })
    }

    /// The system prompt (every system and developer message) and the turns.
    fn conversation(&self) -> Result<(String, Vec<Message>), Unfit> {
        let mut system = Vec::new();
        let mut messages = Vec::new();
        for (i, message) in self.messages.iter().enumerate() {
            let field = format!("messages[{i}]");
            if message.role == "user"
                && let Some(parts) = message.content.as_ref().and_then(Content::with_images)
            {
                messages.push(Message::UserParts(parts.map_err(|e| Unfit {
                    param: format!("{field}.content"),
                    ..e
                })?));
                continue;
            }
            let text = message
                .content
                .as_ref()
                .map(Content::text)
                .transpose()
                .map_err(|e| unsupported(format!("{field}.content"), e))?
                .unwrap_or_default();
            match message.role.as_str() {
                "system" | "developer" => system.push(text),
                "user" => messages.push(Message::User(text)),
                "assistant" => messages.push(Message::Assistant {
                    text,
                    tool_calls: message
                        .tool_calls
                        .iter()
                        .map(WireToolCall::to_call)
                        .chain(message.function_call.as_ref().map(|call| ToolCall {
                            // A legacy function call has no id; its result names the function.
                            id: call.name.clone(),
                            ..call.to_call()
                        }))
                        .collect(),
                }),
                "tool" => messages.push(Message::ToolResult {
                    call_id: message.tool_call_id.clone().ok_or_else(|| {
                        unfit(
                            format!("{field}.tool_call_id"),
                            "A tool message needs tool_call_id.",
                        )
                    })?,
                    content: text,
                    is_error: false,
                }),
                "function" => messages.push(Message::ToolResult {
                    call_id: message.name.clone().ok_or_else(|| {
                        unfit(format!("{field}.name"), "A function message needs name.")
                    })?,
                    content: text,
                    is_error: false,
                }),
                other => {
                    return Err(unfit(
                        format!("{field}.role"),
                        format!("Unknown role `{other}`; use system, user, assistant or tool."),
                    ));
                }
            }
        }
        Ok((system.join("\n\n"), messages))
    }

    /// `tools`, or the deprecated `functions` (not both).
    fn tools(&self) -> Result<Vec<ToolSpec>, Unfit> {
        if !self.tools.is_empty() && !self.functions.is_empty() {
            return Err(unfit("functions", "Send tools or functions, not both."));
        }
        let functions = self.functions.iter().map(WireFunction::to_spec);
        self.tools
            .iter()
            .enumerate()
            .map(|(i, tool)| {
                if tool.kind != "function" {
                    return Err(unsupported(
                        format!("tools[{i}].type"),
                        "Only function tools are supported.",
                    ));
                }
                Ok(tool.function.to_spec())
            })
            .chain(functions.map(Ok))
            .collect()
    }

    /// `tool_choice` (or the deprecated `function_call`): `auto`, `none`, `required`, or
    /// one function by name, which must be among the tools.
    fn tool_choice(&self, tools: &[ToolSpec]) -> Result<ToolChoice, Unfit> {
        let (param, value) = match (&self.tool_choice, &self.function_call) {
            (Some(value), _) => ("tool_choice", value),
            (None, Some(value)) => ("function_call", value),
            (None, None) => return Ok(ToolChoice::Auto),
        };
        let named = value
            .pointer("/function/name")
            .or_else(|| value.get("name"))
            .and_then(Value::as_str);
        let choice = match (value.as_str(), named) {
            (Some("auto"), _) => ToolChoice::Auto,
            (Some("none"), _) => ToolChoice::None,
            (Some("required"), _) => ToolChoice::Required,
            (None, Some(name)) => ToolChoice::Function(name.to_string()),
            _ => {
                return Err(unfit(
                    param,
                    "Use \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": …}}.",
                ));
            }
        };
        if let ToolChoice::Function(name) = &choice
            && !tools.iter().any(|t| &t.name == name)
        {
            return Err(unfit(param, format!("No tool named `{name}` was sent.")));
        }
        Ok(choice)
    }
}

/// `stop`: one sequence or up to four.
fn stop_sequences(stop: Option<&Value>) -> Result<Vec<String>, Unfit> {
    let sequences: Vec<String> = match stop {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| unfit("stop", "Stop sequences are strings."))?,
        Some(_) => return Err(unfit("stop", "Send a string or a list of strings.")),
    };
    if sequences.len() > 4 {
        return Err(unfit("stop", "Send at most 4 stop sequences."));
    }
    Ok(sequences)
}

/// `response_format`: text, any JSON object, or JSON matching a schema.
fn answer_format(format: Option<&Value>) -> Result<AnswerFormat, Unfit> {
    let Some(format) = format.filter(|f| !f.is_null()) else {
        return Ok(AnswerFormat::Text);
    };
    match format["type"].as_str() {
        Some("text") => Ok(AnswerFormat::Text),
        Some("json_object") => Ok(AnswerFormat::JsonObject),
        Some("json_schema") => {
            let spec = &format["json_schema"];
            let schema = spec
                .get("schema")
                .filter(|s| s.is_object())
                .ok_or_else(|| {
                    unfit(
                        "response_format.json_schema.schema",
                        "Send the JSON Schema the answer must match.",
                    )
                })?;
            Ok(AnswerFormat::JsonSchema {
                name: spec["name"].as_str().unwrap_or("answer").to_string(),
                schema: schema.clone(),
                strict: spec["strict"].as_bool(),
            })
        }
        _ => Err(unfit(
            "response_format.type",
            "Use text, json_object or json_schema.",
        )),
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

/// A call's arguments as OpenAI sends them: JSON text.
fn arguments(call: &ToolCall) -> String {
    match &call.arguments {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn tool_calls(calls: &[ToolCall], indexed: bool) -> Vec<Value> {
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let mut value = json!({
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": arguments(call)},
            });
            if indexed {
                value["index"] = json!(i);
            }
            value
        })
        .collect()
}

/// What every piece of one answer carries: its id, time and model, and whether the
/// caller speaks the deprecated `functions` dialect.
#[derive(Clone, Copy)]
pub struct Answer<'a> {
    pub id: &'a str,
    pub created: i64,
    pub model: &'a str,
    pub legacy_functions: bool,
}

impl Answer<'_> {
    /// A whole answer (`chat.completion`), one choice per completion.
    pub fn completion(&self, answers: &[Completion]) -> Value {
        let choices: Vec<Value> = answers
            .iter()
            .enumerate()
            .map(|(index, answer)| {
                let mut message = json!({
                    "role": "assistant",
                    "content": if answer.text.is_empty() && !answer.tool_calls.is_empty() { Value::Null } else { json!(answer.text) },
                });
                match answer.tool_calls.first() {
                    Some(call) if self.legacy_functions => {
                        message["function_call"] = json!({"name": call.name, "arguments": arguments(call)});
                    }
                    Some(_) => message["tool_calls"] = json!(tool_calls(&answer.tool_calls, false)),
                    None => {}
                }
                json!({"index": index, "message": message, "finish_reason": self.finish_reason(&answer.finish), "logprobs": answer.logprobs})
            })
            .collect();
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": choices,
            "usage": usage(total_usage(answers)),
        })
    }

    /// One streamed piece (`chat.completion.chunk`) of choice `index`.
    pub fn chunk(&self, index: u32, delta: Value, finish: Option<&str>) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish, "logprobs": null}],
        })
    }

    /// The log probabilities of choice `index`'s latest text, in a chunk of their own.
    pub fn logprobs_chunk(&self, index: u32, entries: &[Value]) -> Value {
        let mut chunk = self.chunk(index, json!({}), None);
        chunk["choices"][0]["logprobs"] = json!({"content": entries, "refusal": null});
        chunk
    }

    /// The closing chunks of one choice: its tool calls (they arrive whole) and its
    /// finish reason.
    pub fn closing_chunks(&self, index: u32, answer: &Completion) -> Vec<Value> {
        let mut chunks = Vec::new();
        match answer.tool_calls.first() {
            Some(call) if self.legacy_functions => chunks.push(self.chunk(
                index,
                json!({"function_call": {"name": call.name, "arguments": arguments(call)}}),
                None,
            )),
            Some(_) => chunks.push(self.chunk(
                index,
                json!({"tool_calls": tool_calls(&answer.tool_calls, true)}),
                None,
            )),
            None => {}
        }
        chunks.push(self.chunk(index, json!({}), Some(self.finish_reason(&answer.finish))));
        chunks
    }

    /// The last chunk of a stream whose caller asked for usage: every choice's.
    pub fn usage_chunk(&self, usage_of_all: Usage) -> Value {
        json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model, "choices": [], "usage": usage(usage_of_all),
        })
    }

    fn finish_reason<'r>(&self, reason: &'r FinishReason) -> &'r str {
        match reason {
            FinishReason::ToolCalls if self.legacy_functions => "function_call",
            reason => finish_reason(reason),
        }
    }
}

pub fn total_usage(answers: &[Completion]) -> Usage {
    answers.iter().fold(Usage::default(), |sum, answer| Usage {
        prompt_tokens: sum.prompt_tokens + answer.usage.prompt_tokens,
        completion_tokens: sum.completion_tokens + answer.usage.completion_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<Parsed, Unfit> {
        serde_json::from_value::<CompletionRequest>(body)
            .expect("parses")
            .parse()
    }

    fn problem(body: Value) -> String {
        parse(body).unwrap_err().param
    }

    #[test]
    fn system_messages_become_the_system_prompt() {
        let chat = parse(json!({
            "model": "auto",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "!"}]},
            ],
            "max_tokens": 50,
        }))
        .unwrap()
        .chat;
        assert_eq!(chat.system, "Be brief.");
        assert_eq!(chat.messages, vec![Message::User("Hi!".into())]);
        assert_eq!(chat.max_tokens, 50);
    }

    #[test]
    fn image_parts_are_taken_inline_or_by_https_address() {
        let picture = "data:image/png;base64,iVBORw0KGgo=";
        let parsed = parse(
            json!({"model": "auto", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": picture, "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}
            ]}]}),
        )
        .unwrap();
        assert_eq!(
            parsed.chat.messages,
            vec![Message::UserParts(vec![
                Part::Text("What is this?".into()),
                Part::Image(Image {
                    url: picture.into(),
                    detail: Some("low".into())
                }),
                Part::Image(Image {
                    url: "https://example.com/cat.jpg".into(),
                    detail: None
                }),
            ])]
        );
        let user = |url: &str| json!({"model": "auto", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]});
        for refused in [
            "http://example.com/cat.jpg",
            "data:text/plain;base64,aGk=",
            "data:image/png,raw",
        ] {
            let unfit = parse(user(refused)).unwrap_err();
            assert_eq!(
                (unfit.param.as_str(), unfit.code),
                ("messages[0].content", "invalid_value"),
                "{refused}"
            );
        }
        // Only a user's message carries images.
        let system = json!({"model": "auto", "messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": picture}}]}]});
        assert_eq!(problem(system), "messages[0].content");
    }

    #[test]
    fn problems_name_their_parameter() {
        let user = |content: Value| json!({"model": "auto", "messages": [{"role": "user", "content": content}]});
        assert_eq!(
            problem(json!({"model": "auto", "messages": [{"role": "robot", "content": "x"}]})),
            "messages[0].role"
        );
        assert_eq!(
            problem(user(json!([{"type": "image_url"}]))),
            "messages[0].content"
        );
        assert_eq!(
            problem(json!({"model": "auto", "messages": []})),
            "messages"
        );
        let with = |extra: Value| {
            let mut body = user(json!("hi"));
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            body
        };
        assert_eq!(problem(with(json!({"n": 9}))), "n");
        assert_eq!(problem(with(json!({"top_p": 2}))), "top_p");
        assert_eq!(
            problem(with(json!({"stop": ["a", "b", "c", "d", "e"]}))),
            "stop"
        );
        assert_eq!(
            problem(with(json!({"response_format": {"type": "xml"}}))),
            "response_format.type"
        );
        assert_eq!(
            problem(with(
                json!({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}})
            )),
            "response_format.json_schema.schema"
        );
        assert_eq!(problem(with(json!({"top_logprobs": 2}))), "top_logprobs");
        assert_eq!(
            problem(with(json!({"logprobs": true, "top_logprobs": 21}))),
            "top_logprobs"
        );
        assert_eq!(
            problem(with(json!({"modalities": ["text", "audio"]}))),
            "modalities"
        );
        assert_eq!(
            problem(with(
                json!({"tools": [{"type": "function", "function": {"name": "a"}}], "tool_choice": {"type": "function", "function": {"name": "b"}}})
            )),
            "tool_choice"
        );
    }

    #[test]
    fn what_clients_send_is_taken() {
        let parsed = parse(json!({
            "model": "auto",
            "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "person", "strict": true, "schema": {"type": "object"}}},
            "stop": "END",
            "n": 2,
            "logprobs": false,
            "modalities": ["text"],
            "seed": 7,
            "reasoning_effort": "low",
            "prompt_cache_key": "k",
            "a_parameter_newer_than_us": {"x": 1},
        }))
        .unwrap();
        assert_eq!(parsed.choices, 2);
        assert_eq!(parsed.chat.stop, vec!["END".to_string()]);
        assert_eq!(
            parsed.chat.answer,
            AnswerFormat::JsonSchema {
                name: "person".into(),
                schema: json!({"type": "object"}),
                strict: Some(true)
            }
        );
        let mut hints = parsed.hints.clone();
        hints.sort();
        assert_eq!(hints, ["prompt_cache_key", "reasoning_effort", "seed"]);
        assert_eq!(
            parsed.needs_openai_format.as_deref(),
            Some("a_parameter_newer_than_us")
        );
        assert_eq!(parsed.chat.openai_extra["seed"], 7);
        assert!(!parsed.chat.openai_extra.contains_key("logprobs"));
    }

    #[test]
    fn log_probabilities_are_asked_of_openai_format_providers() {
        let parsed = parse(json!({
            "model": "auto",
            "messages": [{"role": "user", "content": "hi"}],
            "logprobs": true,
            "top_logprobs": 3,
        }))
        .unwrap();
        assert_eq!(parsed.needs_openai_format.as_deref(), Some("logprobs"));
        assert_eq!(parsed.chat.openai_extra["logprobs"], true);
        assert_eq!(parsed.chat.openai_extra["top_logprobs"], 3);
    }

    #[test]
    fn legacy_functions_are_tools_and_answer_as_function_calls() {
        let parsed = parse(json!({
            "model": "auto",
            "messages": [
                {"role": "user", "content": "weather?"},
                {"role": "assistant", "content": null, "function_call": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}},
                {"role": "function", "name": "weather", "content": "rain"},
            ],
            "functions": [{"name": "weather", "parameters": {"type": "object"}}],
            "function_call": {"name": "weather"},
        }))
        .unwrap();
        assert!(parsed.legacy_functions);
        assert_eq!(parsed.chat.tools[0].name, "weather");
        assert_eq!(
            parsed.chat.tool_choice,
            ToolChoice::Function("weather".into())
        );
        assert!(
            matches!(&parsed.chat.messages[2], Message::ToolResult { call_id, .. } if call_id == "weather")
        );

        let answer = Completion {
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "call_1".into(),
                name: "weather".into(),
                arguments: json!({"city": "Oslo"}),
            }],
            usage: Usage::default(),
            finish: FinishReason::ToolCalls,
            logprobs: None,
        };
        let shape = Answer {
            id: "id",
            created: 1,
            model: "m",
            legacy_functions: true,
        };
        let body = shape.completion(std::slice::from_ref(&answer));
        assert_eq!(body["choices"][0]["finish_reason"], "function_call");
        assert_eq!(
            body["choices"][0]["message"]["function_call"]["name"],
            "weather"
        );
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
            logprobs: None,
        };
        let shape = Answer {
            id: "id",
            created: 1,
            model: "demo-fast",
            legacy_functions: false,
        };
        let body = shape.completion(&[answer.clone(), answer.clone()]);
        assert_eq!(body["choices"][0]["message"]["content"], Value::Null);
        assert_eq!(
            body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            "{\"q\":\"x\"}"
        );
        assert_eq!(body["choices"][1]["index"], 1);
        assert_eq!(body["usage"]["total_tokens"], 14);
        let closing = shape.closing_chunks(1, &answer);
        assert_eq!(closing.len(), 2);
        assert_eq!(closing[1]["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(closing[1]["choices"][0]["index"], 1);
    }
}
