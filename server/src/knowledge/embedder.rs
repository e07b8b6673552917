//! Vectors for chunks and queries, through the team's own provider set up for the
//! knowledge base's model (the OpenAI-format `/v1/embeddings`: OpenAI, Ollama, vLLM…),
//! in batches, retried with backoff when the provider is briefly unavailable. What a
//! batch cost is added to the usage roll-up by whoever stores its vectors, in the same
//! transaction, so a crash neither loses nor double-counts it.

use std::sync::Arc;
use std::time::Instant;

use uuid::Uuid;

use crate::db::tenant::Tx;
use crate::engine::catalog::EmbeddingModel;
use crate::engine::providers::{EmbedRequest, ProviderError};
use crate::engine::router::RetryPolicy;
use crate::gateway::{Gateway, Refusal};
use crate::usage::roll_up::{UsageRow, roll_up};

/// Texts per request: well under every provider's limit in count and tokens (64 chunks
/// of at most 2,000 tokens).
pub const BATCH: usize = 64;

/// Vectors for a batch, and what they cost.
#[derive(Debug)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    pub model: &'static EmbeddingModel,
    pub tokens: i64,
    pub cost_micro_usd: i64,
    pub latency_ms: i64,
}

impl Embedded {
    /// Adds the batch to the team's usage (no run, no key: the knowledge base's work).
    pub async fn count(&self, tx: &mut Tx, team_id: Uuid) -> Result<(), sqlx::Error> {
        roll_up(
            tx,
            &UsageRow {
                team_id,
                provider: self.model.provider,
                model: self.model.name,
                prompt_tokens: self.tokens,
                cost_micro_usd: self.cost_micro_usd,
                latency_ms: self.latency_ms,
                ..UsageRow::default()
            },
        )
        .await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error(
        "the embedding model {0} is not available to the team: set up its provider in Settings → Providers"
    )]
    Unavailable(String),
    #[error("the embedding model failed: {0}")]
    Provider(#[from] ProviderError),
    /// Its text is for logs only.
    #[error("our database was briefly unavailable")]
    Database(#[from] sqlx::Error),
}

impl EmbedError {
    /// Whether trying again later could succeed (the document is then retried, not
    /// failed).
    pub fn is_transient(&self) -> bool {
        match self {
            EmbedError::Provider(error) => error.is_retryable(),
            EmbedError::Database(_) => true,
            EmbedError::Unavailable(_) => false,
        }
    }
}

#[derive(Clone)]
pub struct Embedder {
    gateway: Arc<Gateway>,
    retry: RetryPolicy,
}

impl Embedder {
    pub fn new(gateway: Arc<Gateway>) -> Embedder {
        Embedder {
            gateway,
            retry: RetryPolicy {
                max_retries: 3,
                ..RetryPolicy::default()
            },
        }
    }

    /// The team's vectors for `texts` (at most [`BATCH`]) under `model`.
    pub async fn embed(
        &self,
        team_id: Uuid,
        model: &str,
        texts: Vec<String>,
    ) -> Result<Embedded, EmbedError> {
        let (model, provider) = self.gateway.embedding_model(team_id, model).await.map_err(
            |refusal| match refusal {
                Refusal::Database(error) => EmbedError::Database(error),
                _ => EmbedError::Unavailable(model.to_string()),
            },
        )?;
        let request = EmbedRequest {
            model: model.name.to_string(),
            inputs: texts,
            ..EmbedRequest::default()
        };
        let started = Instant::now();
        let mut attempt = 0;
        let embeddings = loop {
            match provider.embed(&request).await {
                Ok(embeddings) => break embeddings,
                Err(error) if error.is_retryable() && attempt < self.retry.max_retries => {
                    let retry_after = match &error {
                        ProviderError::RateLimited { retry_after } => *retry_after,
                        _ => None,
                    };
                    tokio::time::sleep(self.retry.delay(attempt, retry_after)).await;
                    attempt += 1;
                }
                Err(error) => return Err(error.into()),
            }
        };
        let dimensions = model.dimensions as usize;
        if embeddings.vectors.len() != request.inputs.len()
            || embeddings.vectors.iter().any(|v| v.len() != dimensions)
        {
            return Err(ProviderError::Malformed(format!(
                "expected {} vectors of {dimensions} numbers, got {} of {}",
                request.inputs.len(),
                embeddings.vectors.len(),
                embeddings.vectors.first().map_or(0, Vec::len)
            ))
            .into());
        }
        let tokens = embeddings.prompt_tokens;
        Ok(Embedded {
            vectors: embeddings.vectors,
            model,
            tokens: i64::try_from(tokens).unwrap_or(i64::MAX),
            cost_micro_usd: model.cost(tokens).0,
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        })
    }
}
