//! The HTTP side shared by both formats: one client with no redirects and bounded
//! waits, status classification, and bounded bodies.

use std::time::Duration;

use futures::{Stream, StreamExt};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode};

use super::ProviderError;

/// Where and how one provider is called; each wire format wraps one.
pub struct Endpoint {
    pub id: String,
    pub base_url: String,
    pub api_key: Option<String>,
    pub client: reqwest::Client,
    pub limits: HttpLimits,
}

#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub connect_timeout: Duration,
    /// Until the response headers arrive (slow first tokens included).
    pub first_byte_timeout: Duration,
    /// Between two pieces of a streamed body.
    pub idle_timeout: Duration,
    pub max_response_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            connect_timeout: Duration::from_secs(5),
            first_byte_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(30),
            max_response_bytes: 8 * 1024 * 1024,
        }
    }
}

pub fn client(limits: &HttpLimits) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(limits.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent("AgentFactory/1")
        .build()
}

/// Sends and classifies the status; a non-success answer becomes the matching error.
pub async fn send(request: RequestBuilder, limits: &HttpLimits) -> Result<Response, ProviderError> {
    let response = tokio::time::timeout(limits.first_byte_timeout, request.send())
        .await
        .map_err(|_| ProviderError::Timeout)?
        .map_err(transport)?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if status.is_redirection() {
        return Err(ProviderError::Redirected);
    }
    let retry_after = retry_after(response.headers());
    let body = read_limited(response, limits, 4096)
        .await
        .unwrap_or_default();
    Err(classify(status, retry_after, &body))
}

fn classify(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> ProviderError {
    let message = error_message(body);
    match status.as_u16() {
        429 => ProviderError::RateLimited { retry_after },
        401 | 403 => ProviderError::Unauthorized {
            status: status.as_u16(),
        },
        408 => ProviderError::Timeout,
        code @ 500..=599 => ProviderError::Server {
            status: code,
            message,
        },
        code => ProviderError::Rejected {
            status: code,
            message,
        },
    }
}

/// The human part of an error body in any of the formats, shortened.
fn error_message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| {
            // OpenAI's, Anthropic's and Gemini's `error.message`; Bedrock's `message`.
            v.pointer("/error/message")
                .or_else(|| v.pointer("/message"))
                .and_then(|m| m.as_str())
        })
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    message.chars().take(300).collect()
}

/// `retry-after` in seconds (the HTTP-date form is rare from LLM APIs and treated as absent).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

pub fn transport(error: reqwest::Error) -> ProviderError {
    if error.is_timeout() {
        ProviderError::Timeout
    } else if error.is_connect() {
        ProviderError::Connect("connection refused or failed".into())
    } else if error.is_body() || error.is_decode() {
        ProviderError::StreamCut
    } else {
        // reqwest's messages name the URL, never headers; keep only the kind.
        ProviderError::Connect("transport error".into())
    }
}

/// Reads a whole body, refusing more than the limit.
pub async fn read_limited(
    response: Response,
    limits: &HttpLimits,
    max: usize,
) -> Result<Vec<u8>, ProviderError> {
    let max = max.min(limits.max_response_bytes);
    let mut body = Vec::new();
    let mut stream = std::pin::pin!(bounded_stream(response, limits));
    while let Some(piece) = stream.next().await {
        let piece = piece?;
        if body.len() + piece.len() > max {
            return Err(ProviderError::TooLarge);
        }
        body.extend_from_slice(&piece);
    }
    Ok(body)
}

/// The body as a stream of byte pieces with an idle timeout and a total size bound.
pub fn bounded_stream(
    response: Response,
    limits: &HttpLimits,
) -> impl Stream<Item = Result<bytes::Bytes, ProviderError>> + Send + 'static {
    let idle = limits.idle_timeout;
    let max = limits.max_response_bytes;
    let body = response.bytes_stream();
    futures::stream::unfold(
        (Box::pin(body), 0usize, false),
        move |(mut body, seen, done)| async move {
            if done {
                return None;
            }
            match tokio::time::timeout(idle, body.next()).await {
                Err(_) => Some((Err(ProviderError::Timeout), (body, seen, true))),
                Ok(None) => None,
                Ok(Some(Err(error))) => Some((Err(transport(error)), (body, seen, true))),
                Ok(Some(Ok(piece))) if seen + piece.len() > max => {
                    Some((Err(ProviderError::TooLarge), (body, seen, true)))
                }
                Ok(Some(Ok(piece))) => {
                    let seen = seen + piece.len();
                    Some((Ok(piece), (body, seen, false)))
                }
            }
        },
    )
}
