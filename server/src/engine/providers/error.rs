//! Provider failures, classified for the router. Messages never carry keys: requests
//! are never echoed, provider error bodies are shortened, and what a provider says is
//! redacted ([`ProviderError::redacted`]) before the router keeps it.

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ProviderError {
    #[error("rate limited by the provider")]
    RateLimited { retry_after: Option<Duration> },
    #[error("the provider failed with HTTP {status}: {message}")]
    Server { status: u16, message: String },
    #[error("the provider refused the request with HTTP {status}: {message}")]
    Rejected { status: u16, message: String },
    #[error("the provider refused the API key (HTTP {status})")]
    Unauthorized { status: u16 },
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("could not reach the provider: {0}")]
    Connect(String),
    #[error("the provider's stream ended before the answer was complete")]
    StreamCut,
    #[error("the provider's reply was not understood: {0}")]
    Malformed(String),
    #[error("the provider's reply exceeded the size limit")]
    TooLarge,
    #[error("the provider redirected the request; redirects are not followed")]
    Redirected,
}

impl ProviderError {
    /// Worth trying again at the same provider after a pause.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Timeout
                | ProviderError::Connect(_)
                | ProviderError::StreamCut
        )
    }

    /// The same error with the provider's own words cleaned of credentials: the keys
    /// in `known`, and anything shaped like one (see [`super::redact`]).
    pub fn redacted(self, known: &[&str]) -> ProviderError {
        let clean = |message: String| super::redact::redact(&message, known);
        match self {
            ProviderError::Server { status, message } => ProviderError::Server {
                status,
                message: clean(message),
            },
            ProviderError::Rejected { status, message } => ProviderError::Rejected {
                status,
                message: clean(message),
            },
            ProviderError::Connect(message) => ProviderError::Connect(clean(message)),
            ProviderError::Malformed(message) => ProviderError::Malformed(clean(message)),
            other => other,
        }
    }

    /// What a user is told: the kind of failure and the HTTP status, without the
    /// provider's own words (they may quote our request, internal hosts or account
    /// details). The full error goes to the log.
    pub fn summary(&self) -> String {
        match self {
            ProviderError::Server { status, .. } => {
                format!("the provider failed with HTTP {status}")
            }
            ProviderError::Rejected { status, .. } => {
                format!("the provider refused the request with HTTP {status}")
            }
            ProviderError::Connect(_) => "could not reach the provider".into(),
            ProviderError::Malformed(_) => "the provider's reply was not understood".into(),
            other => other.to_string(),
        }
    }

    /// A stable code for traces and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Server { .. } => "server_error",
            ProviderError::Rejected { .. } => "rejected",
            ProviderError::Unauthorized { .. } => "unauthorized",
            ProviderError::Timeout => "timeout",
            ProviderError::Connect(_) => "unreachable",
            ProviderError::StreamCut => "stream_cut",
            ProviderError::Malformed(_) => "malformed",
            ProviderError::TooLarge => "too_large",
            ProviderError::Redirected => "redirected",
        }
    }
}
