//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types
//! they take and answer with; served at `/v1/openapi.json` and rendered at `/docs/api`.

use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use super::{account, agents, gateway, runs, templates, webhooks};

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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Agent Factory API",
        version = "1",
        description = "Agents, runs, templates, keys, usage and webhooks, and an OpenAI-compatible gateway."
    ),
    paths(
        agents::list, agents::create, agents::get, agents::update, agents::versions, agents::archive,
        runs::start, runs::list, runs::get, runs::events, runs::cancel,
        templates::list, templates::get, templates::deploy,
        account::list_keys, account::create_key, account::revoke_key, account::usage,
        webhooks::list, webhooks::create, webhooks::update, webhooks::delete, webhooks::test,
        webhooks::deliveries, webhooks::resend,
        gateway::chat_completions, gateway::models,
    ),
    components(schemas(ProblemDoc, FieldProblemDoc)),
    modifiers(&BearerKeys),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("agf_…")
                    .description(Some("An API key from Settings → API keys"))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, built once.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or_default())
}

pub async fn json() -> Json<&'static serde_json::Value> {
    Json(document())
}
