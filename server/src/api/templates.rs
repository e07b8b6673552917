//! `/v1/templates`: the marketplace's published templates, searchable; no key needed.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::problem::Problem;
use crate::state::AppState;
use crate::templates::{self, TemplateDetail, TemplateQuery, TemplatesPage};

const PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
}

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

pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<TemplateDetail>, Problem> {
    Ok(Json(templates::get(&state.db, &slug).await?))
}
