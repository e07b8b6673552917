//! What the API's operations answer besides their success, as the OpenAPI document
//! describes it: the problem+json shape and the refusals operations share. A leaf the
//! handlers and the document both use.

use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// An error, as `application/problem+json` (RFC 9457).
#[derive(Serialize, ToSchema)]
pub struct ProblemDoc {
    /// A link to this error's explanation in the reference.
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    /// One entry per field problem, for validation errors.
    errors: Option<Vec<FieldProblemDoc>>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblemDoc {
    /// The field at fault; for a spec, `spec.` and its path (`spec.model.task`).
    field: String,
    message: String,
    /// For spec errors: the 1-based line and column in the YAML text.
    line: Option<u32>,
    column: Option<u32>,
}

/// What any authenticated endpoint may answer instead.
#[derive(IntoResponses)]
pub enum Refusals {
    #[response(
        status = 401,
        description = "No valid key (unknown, malformed, expired and revoked keys alike)",
        content_type = "application/problem+json"
    )]
    Unauthenticated(ProblemDoc),
    #[response(
        status = 403,
        description = "The key lacks the scope, or the role does not allow it",
        content_type = "application/problem+json"
    )]
    Forbidden(ProblemDoc),
    #[response(
        status = 429,
        description = "Over the rate limit (see `Retry-After`) or the monthly quota",
        content_type = "application/problem+json"
    )]
    Limited(ProblemDoc),
}

#[derive(IntoResponses)]
pub enum NotFound {
    #[response(
        status = 404,
        description = "No such object in this team",
        content_type = "application/problem+json"
    )]
    NotFound(ProblemDoc),
}

#[derive(IntoResponses)]
pub enum Invalid {
    #[response(
        status = 422,
        description = "Invalid request; `errors` names each field",
        content_type = "application/problem+json"
    )]
    Invalid(ProblemDoc),
}

/// What an operation with a JSON body may answer when the body cannot be used.
#[derive(IntoResponses)]
pub enum BadBody {
    #[response(
        status = 400,
        description = "The body is not well-formed JSON",
        content_type = "application/problem+json"
    )]
    Malformed(ProblemDoc),
    #[response(
        status = 413,
        description = "The body is larger than the server accepts",
        content_type = "application/problem+json"
    )]
    TooLarge(ProblemDoc),
    #[response(
        status = 415,
        description = "The body is not sent as `Content-Type: application/json`",
        content_type = "application/problem+json"
    )]
    NotJson(ProblemDoc),
}

/// What a change answers when it clashes with what is there (a name in use).
#[derive(IntoResponses)]
pub enum Conflict {
    #[response(
        status = 409,
        description = "It clashes with what is there (a name in use)",
        content_type = "application/problem+json"
    )]
    Conflict(ProblemDoc),
}

/// What a POST answers about its `Idempotency-Key`.
#[derive(IntoResponses)]
pub enum Replays {
    #[response(
        status = 400,
        description = "The `Idempotency-Key` is empty or longer than 255 characters",
        content_type = "application/problem+json"
    )]
    BadKey(ProblemDoc),
    #[response(
        status = 409,
        description = "A request with this `Idempotency-Key` is still being answered",
        content_type = "application/problem+json"
    )]
    InFlight(ProblemDoc),
    #[response(
        status = 422,
        description = "This `Idempotency-Key` was used for a different request",
        content_type = "application/problem+json"
    )]
    Reused(ProblemDoc),
}
