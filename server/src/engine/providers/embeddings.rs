//! The provider-neutral shape of an embeddings call.

use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct EmbedRequest {
    pub model: String,
    pub inputs: Vec<String>,
    /// Fewer dimensions than the model's own, where the model can shorten its vectors.
    pub dimensions: Option<u32>,
    /// OpenAI parameters sent as they are (`user`, and parameters we do not know).
    pub openai_extra: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// One per input, in the inputs' order.
    pub vectors: Vec<Vec<f32>>,
    pub prompt_tokens: u64,
}
