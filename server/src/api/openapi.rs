//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types
//! they take and answer with; served at `/v1/openapi.json` and rendered at `/docs/api`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::responses::{FieldProblemDoc, ProblemDoc};
use super::{
    account, agents, conversations, gateway, knowledge, messages, providers, runs, shares,
    templates, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Agent Factory API",
        version = "1",
        description = "Agents, runs, conversations, knowledge bases, templates, keys, usage, providers and webhooks, and an OpenAI-compatible gateway."
    ),
    paths(
        agents::list, agents::create, agents::get, agents::update, agents::versions, agents::archive,
        runs::start, runs::list, runs::get, runs::events, runs::cancel,
        conversations::start, conversations::list, conversations::get, conversations::change,
        conversations::messages, conversations::say, conversations::regenerate,
        shares::get, shares::set, shares::rotate, shares::rotate_embed_secret, shares::end_users,
        templates::list, templates::get, templates::deploy,
        account::list_keys, account::create_key, account::revoke_key, account::usage,
        knowledge::list, knowledge::create, knowledge::get, knowledge::update, knowledge::delete,
        knowledge::documents, knowledge::upload, knowledge::import, knowledge::document,
        knowledge::delete_document, knowledge::reindex, knowledge::chunks, knowledge::search,
        providers::list, providers::set_order,
        webhooks::list, webhooks::create, webhooks::update, webhooks::delete, webhooks::test,
        webhooks::deliveries, webhooks::resend,
        gateway::chat_completions, gateway::embeddings, gateway::models, gateway::model, messages::create,
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
