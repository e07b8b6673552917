//! OpenAI's `POST /v1/embeddings`, answered deterministically: each text's vector is
//! built from its words (each word adds to the dimensions its hash picks), then scaled
//! to length 1. The same text always gets the same vector, and texts that share words
//! point the same way, so similarity search over fake embeddings finds what it should.
//! Usage follows the fake's rule: a quarter of the characters, rounded up.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::exchange::{Wire, header_text};
use crate::openai::{OpenAi, presented_key};
use crate::state::{RecordedRequest, Shared};

/// Dimensions when the request does not say (real models have 384–3,072; tests need few).
const DEFAULT_DIMENSIONS: usize = 64;
/// Models whose vectors have another length by default (a second model to move a
/// knowledge base to).
const MODEL_DIMENSIONS: [(&str, usize); 1] = [("demo-embed-v2", 384)];

pub(crate) async fn embeddings(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let presented = presented_key(&headers).or_else(|| header_text(&headers, "x-api-key"));
    let authorized = shared.authorized(presented);
    shared.record(RecordedRequest {
        path: uri.path().to_owned(),
        body: body.clone(),
        authorized,
    });
    if shared.key_required() && !authorized {
        return OpenAi::error(StatusCode::UNAUTHORIZED, "Invalid API key provided.");
    }
    let inputs: Vec<&str> = match &body["input"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if inputs.is_empty() || inputs.iter().any(|text| text.is_empty()) {
        return OpenAi::error(StatusCode::BAD_REQUEST, "'input' must be non-empty text.");
    }
    let dimensions = body["dimensions"]
        .as_u64()
        .and_then(|d| usize::try_from(d).ok())
        .filter(|d| *d > 0)
        .unwrap_or_else(|| {
            MODEL_DIMENSIONS
                .iter()
                .find(|(model, _)| body["model"] == *model)
                .map_or(DEFAULT_DIMENSIONS, |(_, dimensions)| *dimensions)
        });
    let base64 = body["encoding_format"] == "base64";
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let vector = vector(text, dimensions);
            let embedding = if base64 {
                json!(encode_base64(&vector))
            } else {
                json!(vector)
            };
            json!({"object": "embedding", "index": index, "embedding": embedding})
        })
        .collect();
    let tokens: usize = inputs.iter().map(|t| t.chars().count().div_ceil(4)).sum();
    Json(json!({
        "object": "list",
        "data": data,
        "model": body["model"].as_str().unwrap_or("fake-embedding"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }))
    .into_response()
}

/// The text's words hashed into `dimensions` buckets, scaled to length 1.
pub fn vector(text: &str, dimensions: usize) -> Vec<f32> {
    let mut vector = vec![0.0f32; dimensions];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut hasher = DefaultHasher::new();
        word.to_lowercase().hash(&mut hasher);
        let hash = hasher.finish();
        let slot = usize::try_from(hash % dimensions as u64).unwrap_or(0);
        vector[slot] += if hash & (1 << 63) == 0 { 1.0 } else { -1.0 };
    }
    let length = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if length > 0.0 {
        vector.iter_mut().for_each(|x| *x /= length);
    }
    vector
}

/// OpenAI's `encoding_format: base64`: the floats as little-endian bytes, in base64.
fn encode_base64(vector: &[f32]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_unit_length_deterministic_and_closer_for_shared_words() {
        let a = vector("solar panels on roofs", 64);
        assert_eq!(a, vector("solar panels on roofs", 64));
        let length: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((length - 1.0).abs() < 1e-5);
        let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f32>();
        let near = vector("solar panels", 64);
        let far = vector("chocolate cake recipe", 64);
        assert!(dot(&a, &near) > dot(&a, &far));
    }

    #[test]
    fn base64_is_the_little_endian_floats() {
        assert_eq!(encode_base64(&[1.0]), "AACAPw==");
        assert_eq!(encode_base64(&[1.0, 0.0]), "AACAPwAAAAA=");
    }
}
