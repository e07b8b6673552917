//! LLM providers behind one streaming trait. Two wire formats cover the field: OpenAI
//! chat completions (OpenAI, Ollama, Perplexity, Groq, OpenRouter, vLLM …) and Anthropic
//! Messages. OpenAI's format also has embeddings.

mod anthropic;
mod chat;
mod embeddings;
mod error;
mod gemini;
mod http;
mod openai;
mod redact;
mod registry;
mod sse;
mod streaming;

pub use chat::{
    AnswerFormat, ChatRequest, Chunk, ChunkStream, Completion, FinishReason, Message, ToolCall,
    ToolChoice, ToolSpec, Usage,
};
pub use embeddings::{EmbedRequest, Embeddings};
pub use error::ProviderError;
pub use http::HttpLimits;
pub use openai::AzureApi;
pub use registry::{ProviderConfig, ProviderSet, TeamProviders, WireFormat, shared_client};

use async_trait::async_trait;

/// One configured provider endpoint (base URL and key fixed at construction).
#[async_trait]
pub trait LlmProvider: Send + Sync {
    fn id(&self) -> &str;

    /// The wire format it speaks (what it can be sent untranslated).
    fn format(&self) -> WireFormat;

    /// Starts a streaming completion: text arrives as it is produced, tool calls whole.
    async fn stream(&self, request: &ChatRequest) -> Result<ChunkStream, ProviderError>;

    /// A non-streaming completion.
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError>;

    /// The models the provider offers, from its own list (a call that costs nothing:
    /// the providers' health check).
    async fn models(&self) -> Result<Vec<String>, ProviderError>;

    /// Vectors for texts. Only OpenAI's format has an embeddings endpoint; the others
    /// refuse.
    async fn embed(&self, _request: &EmbedRequest) -> Result<Embeddings, ProviderError> {
        Err(ProviderError::Rejected {
            status: 400,
            message: "this provider's API has no embeddings".into(),
        })
    }
}
