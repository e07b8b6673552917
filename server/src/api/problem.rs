//! API errors as `application/problem+json` (RFC 9457): one mapping from the
//! application's errors, used by every handler.

use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::compat_errors::ProblemParts;
use crate::errors::ServerError;

/// A dependency that is down is usually back within seconds.
const UNAVAILABLE_RETRY_SECS: u64 = 2;

#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    retry_after: Option<u64>,
    /// A narrower reason than the slug, for the dialects that have codes.
    code: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
    /// Where in the spec's YAML text, for spec errors (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl Problem {
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            code: None,
        }
    }

    /// What it says happened, for a caller that reports it another way (a stream's
    /// error event).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Names the reason more narrowly than the slug (OpenAI's `code`, e.g.
    /// `unknown_parameter`).
    pub fn with_code(self, code: &'static str) -> Problem {
        Problem {
            code: Some(code),
            ..self
        }
    }

    /// Unknown, malformed, expired and revoked keys all get this, so a caller learns
    /// nothing about which keys exist.
    pub fn unauthenticated() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Unauthenticated",
            "Send a valid API key as `Authorization: Bearer agf_…`.",
        )
    }

    /// A body over `MAX_BODY_BYTES`, for the middleware that reads bodies whole.
    pub fn body_too_large() -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "bad-body",
            "The request body cannot be used",
            "The body is too large.",
        )
    }

    pub fn rate_limited(limit: u32, retry_after_secs: u64) -> Problem {
        Problem {
            retry_after: Some(retry_after_secs),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "This team's plan allows {limit} API requests a minute. Retry after {retry_after_secs} s, or upgrade the plan."
                ),
            )
        }
    }

    pub fn invalid(errors: Vec<FieldProblem>) -> Problem {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Problem {
            errors,
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Invalid request",
                detail,
            )
        }
    }
}

/// A service's failure, answered: mapped (and logged) once by `From<ServerError> for
/// AppError`.
impl From<ServerError> for Problem {
    fn from(error: ServerError) -> Problem {
        Problem::from(AppError::from(error))
    }
}

impl From<sqlx::Error> for Problem {
    fn from(error: sqlx::Error) -> Problem {
        Problem::from(ServerError::from(error))
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Problem {
        let detail = error.to_string();
        match error {
            AppError::Invalid { field, message } => {
                // A spec's errors come one per line; each becomes its own entry.
                let errors = message
                    .lines()
                    .map(|line| FieldProblem::new(field.clone(), line))
                    .collect();
                Problem::invalid(errors)
            }
            AppError::InvalidSpec(errors) => Problem::invalid(
                errors
                    .into_iter()
                    .map(|error| FieldProblem {
                        field: if error.path.is_empty() {
                            "spec".into()
                        } else {
                            format!("spec.{}", error.path)
                        },
                        message: error.message,
                        line: (error.line > 0).then_some(error.line),
                        column: (error.column > 0).then_some(error.column),
                    })
                    .collect(),
            ),
            AppError::BadCredentials | AppError::Unauthenticated => Problem::unauthenticated(),
            AppError::Unidentified(_) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unidentified",
                "Unidentified",
                detail,
            ),
            AppError::Forbidden | AppError::TwoFactorRequired { .. } => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
            }
            AppError::NotFound => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
            }
            AppError::Conflict(_) => {
                Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
            }
            AppError::RateLimited { retry_after_secs } => Problem {
                retry_after: Some(retry_after_secs),
                ..Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests",
                    detail,
                )
            },
            AppError::QuotaExceeded {
                retry_after_secs, ..
            } => Problem {
                retry_after: Some(retry_after_secs),
                ..Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "quota-exceeded",
                    "Monthly quota used up",
                    detail,
                )
            },
            AppError::Unavailable(_) => Problem {
                retry_after: Some(UNAVAILABLE_RETRY_SECS),
                ..Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                    detail,
                )
            },
            AppError::Internal | AppError::Transport(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something went wrong on our side; the request id identifies it in our logs.",
            ),
        }
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Problem {
        let status = match &rejection {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
            JsonRejection::JsonSyntaxError(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Problem::new(
            status,
            "bad-body",
            "The request body cannot be used",
            rejection.body_text(),
        )
    }
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldProblem]>::is_empty")]
    errors: &'a [FieldProblem],
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let parts = ProblemParts {
            slug: self.slug,
            code: self.code,
            message: match self.errors.as_slice() {
                [only] => only.message.clone(),
                _ => self.detail.clone(),
            },
            param: self.errors.first().map(|e| e.field.clone()),
        };
        let body = Body {
            kind: format!("/docs/api#problem-{}", self.slug),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            errors: &self.errors,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(parts);
        response
    }
}
