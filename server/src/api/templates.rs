//! `/v1/templates`: the marketplace's published templates, searchable without a key;
//! deploying one into the caller's team needs a key with the admin scope.

use app::api_keys::Scope;
use app::backend::Marketplace;
use app::error::AppError;
use app::marketplace::{BrowseQuery, TemplateCard, TemplateSort, TemplatesPage};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Caller;
use super::extract::{Path, Query};
use super::problem::Problem;
use super::responses::{Invalid, NotFound, Refusals, Replays};
use crate::state::AppState;

const PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Full-text search.
    q: Option<String>,
    /// One of the marketplace's categories.
    #[param(
        pattern = "^(research|support|sales|marketing|engineering|operations|finance|other)?$"
    )]
    category: Option<String>,
    /// `popular` (default), `recent` or `top_rated`.
    #[param(pattern = "^(popular|recent|top_rated)?$")]
    sort: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 1000)]
    page: Option<u32>,
    /// Templates a page: 1 to 100, 20 by default.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The deepest page a search serves: past it, refine the search.
const LAST_PAGE: u32 = 1000;

#[utoipa::path(get, path = "/v1/templates", operation_id = "listTemplates", tag = "Templates", summary = "Search published templates", description = "No key needed.", security(()), params(ListQuery), responses((status = 200, body = TemplatesPage), Invalid))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<TemplatesPage>, Problem> {
    let limit = query.limit.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(
            AppError::invalid("limit", format!("A page holds 1 to {MAX_PAGE} templates.")).into(),
        );
    }
    let page = query.page.unwrap_or(1);
    if !(1..=LAST_PAGE).contains(&page) {
        return Err(AppError::invalid("page", format!("Pages run from 1 to {LAST_PAGE}.")).into());
    }
    let browse = BrowseQuery {
        search: query.q.unwrap_or_default(),
        category: query.category,
        sort: TemplateSort::parse(query.sort.as_deref().unwrap_or_default())?,
        page,
    };
    Ok(Json(state.marketplace.page(browse, limit).await?))
}

/// A published template with its spec.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TemplateDetail {
    #[serde(flatten)]
    card: TemplateCard,
    /// The Markdown description, rendered and sanitised.
    description_html: String,
    /// The spec a deploy creates.
    spec_yaml: String,
    /// How many ratings of 1 to 5 stars.
    rating_histogram: [i64; 5],
}

#[utoipa::path(get, path = "/v1/templates/{slug}", operation_id = "getTemplate", tag = "Templates", summary = "Get a published template", description = "By slug or id. No key needed.", security(()), params(("slug" = String, Path, description = "Its slug or id")), responses((status = 200, body = TemplateDetail), NotFound, Invalid))]
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<TemplateDetail>, Problem> {
    let view = state.marketplace.template(None, &slug).await?;
    Ok(Json(TemplateDetail {
        card: view.card,
        description_html: view.description_html,
        spec_yaml: view.spec_yaml,
        rating_histogram: view.histogram,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Deployed {
    agent_id: Uuid,
}

#[utoipa::path(post, path = "/v1/templates/{id}/deploy", operation_id = "deployTemplate", tag = "Templates", summary = "Deploy a template as a new agent", description = "Free templates, and paid ones the team bought. Scope: admin.", params(("id" = Uuid, Path, description = "The template's id")), responses((status = 201, body = Deployed), NotFound, Invalid, Refusals, Replays))]
pub async fn deploy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<Deployed>), Problem> {
    caller.require(Scope::Admin)?;
    let agent_id = state.marketplace.deploy(&caller.actor, id).await?;
    Ok((StatusCode::CREATED, Json(Deployed { agent_id })))
}
