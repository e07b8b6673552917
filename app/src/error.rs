//! The one error type of the application layer. Server functions return it, the REST
//! API maps it to problem+json, and the client matches on it to show the right message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that fails validation; `field` names the form field.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// A spec that does not validate: every problem with its path, line and column, as
    /// the editor shows them.
    #[error("{}", crate::spec::SpecErrors(.0.clone()))]
    InvalidSpec(Vec<crate::spec::SpecError>),
    /// Wrong email or password, deliberately without saying which.
    #[error("Email or password is incorrect.")]
    BadCredentials,
    #[error("Please sign in.")]
    Unauthenticated,
    /// A share link's visitor whose identity could not be confirmed (a bad signed
    /// token from the embedding site, or no identity where one is required).
    #[error("{0}")]
    Unidentified(String),
    #[error("Your role in this team does not allow that.")]
    Forbidden,
    /// The team requires two-factor sign-in and the person has not turned it on.
    #[error(
        "{team} requires two-factor sign-in. Turn it on in Settings → Profile to work in this team."
    )]
    TwoFactorRequired { team: String },
    /// Missing, or another team's: the two look the same from outside.
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// The plan's monthly allowance is used up; it renews at the next period.
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        retry_after_secs: u64,
    },
    /// A dependency (database, Redis) is down; the message says what is affected.
    #[error("{0}")]
    Unavailable(String),
    /// Details are in the server log under the request id, never sent to the client.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The HTTP status this error answers with, on every transport.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } | Self::InvalidSpec(_) => 422,
            Self::BadCredentials | Self::Unauthenticated | Self::Unidentified(_) => 401,
            Self::Forbidden | Self::TwoFactorRequired { .. } => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::RateLimited { .. } | Self::QuotaExceeded { .. } => 429,
            Self::Unavailable(_) => 503,
            Self::Internal => 500,
            Self::Transport(_) => 502,
        }
    }

    /// The field an error belongs to, for showing it next to that field.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::InvalidSpec(_) => Some("spec"),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}
