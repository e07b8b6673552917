//! `/v1/templates`: the marketplace's published templates, searchable; no key needed.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::openapi::{Invalid, NotFound};
use super::problem::Problem;
use crate::state::AppState;
use crate::templates::{self, TemplateDetail, TemplateQuery, TemplatesPage};

const PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Full-text search.
    q: Option<String>,
    category: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/templates", tag = "Templates", summary = "Search published templates", description = "No key needed.", security(()), params(ListQuery), responses((status = 200, body = TemplatesPage), Invalid))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<TemplatesPage>, Problem> {
    let limit = query.limit.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(app::error::AppError::invalid(
            "limit",
            format!("A page holds 1 to {MAX_PAGE} templates."),
        )
        .into());
    }
    let page = templates::search(
        &state.db,
        TemplateQuery {
            search: query.q.as_deref(),
            category: query.category.as_deref(),
            offset: query.offset.unwrap_or(0).min(10_000),
            limit,
        },
    )
    .await?;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/v1/templates/{slug}", tag = "Templates", summary = "Get a published template", description = "By slug or id. No key needed.", security(()), params(("slug" = String, Path, description = "Its slug or id")), responses((status = 200, body = TemplateDetail), NotFound))]
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<TemplateDetail>, Problem> {
    Ok(Json(templates::get(&state.db, &slug).await?))
}
