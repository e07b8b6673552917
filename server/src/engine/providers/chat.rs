//! The provider-neutral shape of a chat exchange.

use std::pin::Pin;

use futures::Stream;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ProviderError;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: ToolChoice,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    /// Where the model must stop (OpenAI `stop`, Anthropic `stop_sequences`).
    pub stop: Vec<String>,
    /// The shape of the answer: free text, any JSON object, or JSON matching a schema
    /// (an agent's `output_schema`, whose invariant is checked anyway).
    pub answer: AnswerFormat,
    /// OpenAI parameters sent as they are to OpenAI-format providers: hints that do not
    /// change what an answer is (`seed`, `service_tier`, `prompt_cache_key` …) and
    /// parameters we do not translate. The gateway routes a request carrying any of the
    /// latter only to OpenAI-format providers.
    pub openai_extra: serde_json::Map<String, Value>,
}

/// Which tool the model must call, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub enum ToolChoice {
    #[default]
    Auto,
    None,
    /// Some tool, the model chooses which.
    Required,
    Function(String),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub enum AnswerFormat {
    #[default]
    Text,
    JsonObject,
    JsonSchema {
        name: String,
        schema: Value,
        strict: Option<bool>,
    },
}

impl AnswerFormat {
    /// An agent's `output_schema`, as the answer's format.
    pub fn matching(schema: Option<Value>) -> AnswerFormat {
        schema.map_or(AnswerFormat::Text, |schema| AnswerFormat::JsonSchema {
            name: "answer".into(),
            schema,
            strict: None,
        })
    }
}

impl ChatRequest {
    /// Bytes of everything sent as prompt: an upper bound on its tokens for every
    /// tokenizer we price (a token is at least one byte), used for worst-case cost.
    pub fn prompt_bytes(&self) -> u64 {
        let messages: usize = self.messages.iter().map(Message::byte_len).sum();
        let tools: usize = self
            .tools
            .iter()
            .map(|t| t.name.len() + t.description.len() + t.parameters.to_string().len())
            .sum();
        // Each message also costs a few framing tokens in every chat format.
        (self.system.len() + messages + tools + 8 * (self.messages.len() + 1)) as u64
    }

    /// The images the request carries.
    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.messages
            .iter()
            .flat_map(|message| match message {
                Message::UserParts(parts) => parts.as_slice(),
                _ => &[],
            })
            .filter_map(|part| match part {
                Part::Image(image) => Some(image),
                Part::Text(_) => None,
            })
    }

    /// Refuses a request with an image by address, for a format that takes images
    /// only inline (Gemini's and Bedrock's do not fetch URLs; we do not fetch for them).
    pub fn inline_images_only(&self, provider: &str) -> Result<(), ProviderError> {
        if self.images().any(|image| image.inline().is_none()) {
            return Err(ProviderError::Rejected {
                status: 400,
                message: format!("{provider} takes images only inline: send them as data: URLs"),
            });
        }
        Ok(())
    }
}

/// The sampling settings as Gemini's `generationConfig` and Bedrock's `inferenceConfig`
/// both write them (camelCase), under the format's own name for the output limit.
pub(super) fn sampling(request: &ChatRequest, max_tokens_key: &str) -> Map<String, Value> {
    let mut settings = Map::new();
    settings.insert(max_tokens_key.into(), json!(request.max_tokens));
    if let Some(temperature) = request.temperature {
        settings.insert("temperature".into(), json!(temperature));
    }
    if let Some(top_p) = request.top_p {
        settings.insert("topP".into(), json!(top_p));
    }
    if !request.stop.is_empty() {
        settings.insert("stopSequences".into(), json!(request.stop));
    }
    settings
}

/// Adds a tool result to a conversation in a format that wants alternating roles: the
/// results of one turn's calls travel together, in one user turn. `list` names a turn's
/// blocks (`content`, Gemini's `parts`), `kind` a result block's key (`toolResult`,
/// `functionResponse`).
pub(super) fn push_tool_result(turns: &mut Vec<Value>, list: &str, kind: &str, block: Value) {
    if let Some(last) = turns.last_mut()
        && last["role"] == "user"
        && last[list][0].get(kind).is_some()
        && let Some(blocks) = last[list].as_array_mut()
    {
        blocks.push(block);
        return;
    }
    turns.push(json!({"role": "user", list: [block]}));
}

/// A generous bound on what one image costs in prompt tokens (OpenAI's high detail and
/// Anthropic's largest images stay under it).
const IMAGE_TOKENS_BOUND: usize = 6_500;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Message {
    User(String),
    /// A user turn with images (the gateway's image parts): text and images in order.
    UserParts(Vec<Part>),
    Assistant {
        text: String,
        tool_calls: Vec<ToolCall>,
    },
    ToolResult {
        call_id: String,
        content: String,
        is_error: bool,
    },
}

impl Message {
    fn byte_len(&self) -> usize {
        match self {
            Message::User(text) => text.len(),
            Message::UserParts(parts) => parts
                .iter()
                .map(|part| match part {
                    Part::Text(text) => text.len(),
                    Part::Image(_) => IMAGE_TOKENS_BOUND,
                })
                .sum(),
            Message::Assistant { text, tool_calls } => {
                text.len()
                    + tool_calls
                        .iter()
                        .map(|c| c.name.len() + c.arguments.to_string().len() + c.id.len())
                        .sum::<usize>()
            }
            Message::ToolResult {
                call_id, content, ..
            } => call_id.len() + content.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Part {
    Text(String),
    Image(Image),
}

/// An image by address: a `data:` URL carrying it (base64), or an `https:` URL that the
/// provider fetches itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    pub url: String,
    /// OpenAI's `detail` (`low`, `high`, `auto`), where given.
    pub detail: Option<String>,
}

impl Image {
    /// The media type and base64 data of an image sent inline.
    pub fn inline(&self) -> Option<(&str, &str)> {
        self.url.strip_prefix("data:")?.split_once(";base64,")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments.
    pub parameters: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    ToolCalls,
    Length,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    Text(String),
    ToolCall(ToolCall),
    Usage(Usage),
    Finish(FinishReason),
    /// The log probabilities of the text just streamed (`logprobs.content` entries, as
    /// an OpenAI-format provider gives them when asked).
    Logprobs(Vec<Value>),
}

pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, ProviderError>> + Send>>;

/// A whole answer, streamed or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub finish: FinishReason,
    /// The answer's log probabilities (OpenAI's `logprobs` object), when asked for.
    pub logprobs: Option<Value>,
}

impl Completion {
    pub fn empty() -> Completion {
        Completion {
            text: String::new(),
            tool_calls: Vec::new(),
            usage: Usage::default(),
            finish: FinishReason::Stop,
            logprobs: None,
        }
    }

    /// Folds one streamed chunk into the answer.
    pub fn absorb(&mut self, chunk: Chunk) {
        match chunk {
            Chunk::Text(text) => self.text.push_str(&text),
            Chunk::ToolCall(call) => self.tool_calls.push(call),
            Chunk::Usage(usage) => self.usage = usage,
            Chunk::Finish(reason) => self.finish = reason,
            Chunk::Logprobs(entries) => {
                let kept = self
                    .logprobs
                    .get_or_insert_with(|| json!({"content": [], "refusal": null}));
                if let Some(content) = kept["content"].as_array_mut() {
                    content.extend(entries);
                }
            }
        }
    }
}

/// Tool arguments arrive as a JSON string; an unparsable one is kept as a string so the
/// tool reports the problem to the model instead of the run crashing.
pub(super) fn parse_arguments(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::Object(Default::default());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}
