//! `POST /v1/embeddings` in OpenAI's format: what may be asked (a model of the
//! catalogue that a set-up provider serves, within plan and key budget), the call, and
//! the answer as floats or base64. The model named is the model used: vectors of two
//! models do not compare, so there is no fallback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::call::{Client, Refusal};
use super::wire::Unfit;
use super::{Call, Gateway};
use crate::engine::catalog::{EMBEDDING_MODELS, EmbeddingModel};
use crate::engine::providers::{EmbedRequest, Embeddings, LlmProvider, ProviderError};

/// The most texts one request may carry (OpenAI's limit).
pub const MAX_INPUTS: usize = 2_048;

#[derive(Debug, Deserialize)]
pub struct EmbeddingRequest {
    pub model: String,
    pub input: Value,
    pub dimensions: Option<u32>,
    pub encoding_format: Option<String>,
    /// Forwarded as they are (`user`, and parameters newer than this list).
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

impl EmbeddingRequest {
    /// The texts, and whether vectors go back as base64.
    fn parse(&self) -> Result<(Vec<String>, bool), Unfit> {
        let unfit = |message: &str| Unfit {
            param: "input".into(),
            message: message.into(),
            code: "invalid_value",
        };
        let inputs: Vec<String> = match &self.input {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) if many.iter().all(Value::is_string) => many
                .iter()
                .filter_map(|text| text.as_str().map(str::to_string))
                .collect(),
            Value::Array(_) => {
                return Err(Unfit {
                    code: "unsupported_parameter",
                    ..unfit(
                        "Send text (a string or a list of strings); token arrays are not taken.",
                    )
                });
            }
            _ => return Err(unfit("Send a string or a list of strings.")),
        };
        if inputs.is_empty() || inputs.len() > MAX_INPUTS {
            return Err(unfit(&format!("Send 1 to {MAX_INPUTS} texts.")));
        }
        if inputs.iter().any(String::is_empty) {
            return Err(unfit("A text to embed may not be empty."));
        }
        let base64 = match self.encoding_format.as_deref() {
            None | Some("float") => false,
            Some("base64") => true,
            Some(_) => {
                return Err(Unfit {
                    param: "encoding_format".into(),
                    message: "Use float or base64.".into(),
                    code: "invalid_value",
                });
            }
        };
        if self.dimensions == Some(0) {
            return Err(Unfit {
                param: "dimensions".into(),
                message: "Ask for at least one dimension.".into(),
                code: "invalid_value",
            });
        }
        Ok((inputs, base64))
    }
}

/// A checked request and the provider that will answer it.
pub struct PreparedEmbedding {
    gateway: Arc<Gateway>,
    client: Client,
    model: &'static EmbeddingModel,
    provider: Arc<dyn LlmProvider>,
    request: EmbedRequest,
    base64: bool,
}

/// An answered call: the vectors and what it took.
pub struct Embedded {
    pub embeddings: Embeddings,
    pub model: &'static EmbeddingModel,
    pub latency: Duration,
}

impl Gateway {
    pub async fn prepare_embedding(
        self: &Arc<Self>,
        client: Client,
        request: &EmbeddingRequest,
    ) -> Result<PreparedEmbedding, Refusal> {
        let (inputs, base64) = request.parse()?;
        let (model, provider) = self.embedding_model(client.team_id, &request.model).await?;
        if model.min_plan > client.plan {
            return Err(Refusal::NeedsPlan(model.name.to_string()));
        }
        // The worst case: every byte a token.
        let bytes: usize = inputs.iter().map(String::len).sum();
        let worst = model.cost(bytes as u64);
        let budget_left = self.budget_left(&client).await?;
        if budget_left.is_some_and(|left| left.0 == 0 || left < worst) {
            return Err(Refusal::BudgetSpent);
        }
        Ok(PreparedEmbedding {
            gateway: Arc::clone(self),
            client,
            model,
            provider,
            request: EmbedRequest {
                model: model.name.to_string(),
                inputs,
                dimensions: request.dimensions,
                openai_extra: request.other.clone(),
            },
            base64,
        })
    }
}

impl Gateway {
    /// An embedding model of the catalogue and the team's provider that serves it;
    /// unknown unless that provider is set up for the team.
    pub async fn embedding_model(
        &self,
        team_id: uuid::Uuid,
        name: &str,
    ) -> Result<(&'static EmbeddingModel, Arc<dyn LlmProvider>), Refusal> {
        let model = EMBEDDING_MODELS
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| Refusal::UnknownModel(name.to_string()))?;
        let providers = self.providers(team_id).await?;
        let provider = providers
            .get(model.provider)
            .filter(|_| self.is_set_up(&providers, model.provider))
            .cloned()
            .ok_or_else(|| Refusal::UnknownModel(name.to_string()))?;
        Ok((model, provider))
    }
}

impl PreparedEmbedding {
    pub async fn call(&self) -> Result<Embedded, ProviderError> {
        let started = Instant::now();
        let embeddings = self.provider.embed(&self.request).await?;
        Ok(Embedded {
            embeddings,
            model: self.model,
            latency: started.elapsed(),
        })
    }

    /// Meters an answered call against the team and the key.
    pub fn record(&self, embedded: &Embedded) {
        self.gateway.meter.record(Call {
            team_id: self.client.team_id,
            api_key_id: self.client.api_key_id,
            provider: self.model.provider,
            model: self.model.name.into(),
            prompt_tokens: embedded.embeddings.prompt_tokens as i64,
            completion_tokens: 0,
            cost_micro_usd: self.model.cost(embedded.embeddings.prompt_tokens).0,
            latency_ms: embedded.latency.as_millis() as i64,
            ..Call::default()
        });
    }

    /// OpenAI's answer: a list of `embedding` objects, floats or base64 of
    /// little-endian floats.
    pub fn answer(&self, embedded: &Embedded) -> Value {
        let data: Vec<Value> = embedded
            .embeddings
            .vectors
            .iter()
            .enumerate()
            .map(|(index, vector)| {
                let embedding = if self.base64 {
                    let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                    json!(base64::engine::general_purpose::STANDARD.encode(bytes))
                } else {
                    json!(vector)
                };
                json!({"object": "embedding", "index": index, "embedding": embedding})
            })
            .collect();
        let tokens = embedded.embeddings.prompt_tokens;
        json!({
            "object": "list",
            "data": data,
            "model": self.model.name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<(Vec<String>, bool), Unfit> {
        serde_json::from_value::<EmbeddingRequest>(body)
            .unwrap()
            .parse()
    }

    #[test]
    fn texts_are_taken_and_problems_named() {
        assert_eq!(
            parse(json!({"model": "m", "input": "a"})).unwrap(),
            (vec!["a".to_string()], false)
        );
        assert_eq!(
            parse(json!({"model": "m", "input": ["a", "b"], "encoding_format": "base64"})).unwrap(),
            (vec!["a".to_string(), "b".to_string()], true)
        );
        assert_eq!(
            parse(json!({"model": "m", "input": []})).unwrap_err().param,
            "input"
        );
        assert_eq!(
            parse(json!({"model": "m", "input": [""]}))
                .unwrap_err()
                .param,
            "input"
        );
        assert_eq!(
            parse(json!({"model": "m", "input": [[1, 2]]}))
                .unwrap_err()
                .code,
            "unsupported_parameter"
        );
        assert_eq!(
            parse(json!({"model": "m", "input": "a", "encoding_format": "hex"}))
                .unwrap_err()
                .param,
            "encoding_format"
        );
    }
}
