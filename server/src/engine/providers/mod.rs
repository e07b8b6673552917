//! LLM providers behind one streaming trait. Four wire formats cover the field: OpenAI
//! chat completions (OpenAI, Azure, Ollama, Perplexity, Groq, OpenRouter, vLLM …),
//! Anthropic Messages, Gemini's generateContent and Bedrock's Converse. OpenAI's format
//! also has embeddings.
//! A provider with several deployments is a [`pool`] of them.

mod anthropic;
pub mod bedrock;
mod chat;
mod embeddings;
mod error;
mod gemini;
mod http;
mod openai;
mod pool;
mod redact;
mod registry;
mod sse;
mod streaming;

pub use chat::{
    AnswerFormat, ChatRequest, Chunk, ChunkStream, Completion, FinishReason, Image, Message, Part,
    ToolCall, ToolChoice, ToolSpec, Usage,
};
pub use embeddings::{EmbedRequest, Embeddings};
pub use error::ProviderError;
pub use http::HttpLimits;
pub use openai::AzureApi;
pub use pool::{DeploymentConfig, DeploymentStatus, Deployments};
pub use registry::{ProviderConfig, ProviderSet, TeamProviders, WireFormat, shared_client};

use async_trait::async_trait;

use super::catalog::Price;

/// A model as a provider's list offers it: its id, and what the list says of it
/// (OpenRouter's gives each model's prices and context window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub id: String,
    pub price: Option<Price>,
    pub context_window: Option<u32>,
}

impl Offered {
    pub fn named(id: impl Into<String>) -> Offered {
        Offered {
            id: id.into(),
            price: None,
            context_window: None,
        }
    }
}

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
    /// the providers' health check, and how the catalogue learns them).
    async fn models(&self) -> Result<Vec<Offered>, ProviderError>;

    /// Vectors for texts. Only OpenAI's format has an embeddings endpoint; the others
    /// refuse.
    async fn embed(&self, _request: &EmbedRequest) -> Result<Embeddings, ProviderError> {
        Err(ProviderError::Rejected {
            status: 400,
            message: "this provider's API has no embeddings".into(),
        })
    }
}
