//! Published marketplace templates, readable by anyone (the API serves them without a
//! key). Row-level security shows published templates to every caller.

use app::error::AppError;
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::errors::internal;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateSummary {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    pub price_cents: i64,
    pub version: i32,
    pub deploy_count: i64,
    pub rating_count: i64,
    /// The average of its ratings, one decimal; `None` before the first.
    pub rating: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateDetail {
    #[serde(flatten)]
    pub summary: TemplateSummary,
    pub description_md: String,
    pub spec_yaml: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplatesPage {
    pub templates: Vec<TemplateSummary>,
    /// Pass as `offset` for the next page; `None` on the last one.
    pub next_offset: Option<u32>,
}

pub struct TemplateQuery<'a> {
    pub search: Option<&'a str>,
    pub category: Option<&'a str>,
    pub offset: u32,
    pub limit: u32,
}

/// The columns [`summary`] reads, from `templates t`.
macro_rules! template_columns {
    () => {
        "t.id, t.slug, t.title, t.summary, t.category, t.tags, t.price_cents, t.current_version,
         t.deploy_count, t.rating_count, t.rating_sum"
    };
}

fn summary(row: &PgRow) -> Result<TemplateSummary, sqlx::Error> {
    let count: i64 = row.try_get("rating_count")?;
    let sum: i64 = row.try_get("rating_sum")?;
    Ok(TemplateSummary {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        summary: row.try_get("summary")?,
        category: row.try_get("category")?,
        tags: row.try_get("tags")?,
        price_cents: row.try_get("price_cents")?,
        version: row.try_get("current_version")?,
        deploy_count: row.try_get("deploy_count")?,
        rating_count: count,
        rating: (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0),
    })
}

/// Published templates matching a full-text search and a category, best match first
/// (newest first without a search).
pub async fn search(db: &PgPool, query: TemplateQuery<'_>) -> Result<TemplatesPage, AppError> {
    let search = query.search.map(str::trim).filter(|s| !s.is_empty());
    let category = query.category.map(str::trim).filter(|s| !s.is_empty());
    let mut tx = tenant::begin(db, Tenant::default())
        .await
        .map_err(internal)?;
    let rows = sqlx::query(concat!(
        "SELECT ",
        template_columns!(),
        " FROM templates t
          WHERE t.status = 'published'
            AND ($1::text IS NULL OR t.search @@ websearch_to_tsquery('english', $1))
            AND ($2::text IS NULL OR t.category = $2)
          ORDER BY CASE WHEN $1::text IS NULL THEN 0 ELSE ts_rank(t.search, websearch_to_tsquery('english', $1)) END DESC,
                   t.published_at DESC, t.id
          OFFSET $3 LIMIT $4"
    ))
    .bind(search)
    .bind(category)
    .bind(i64::from(query.offset))
    .bind(i64::from(query.limit) + 1)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let more = rows.len() > query.limit as usize;
    let templates = rows
        .iter()
        .take(query.limit as usize)
        .map(summary)
        .collect::<Result<_, _>>()
        .map_err(internal)?;
    Ok(TemplatesPage {
        templates,
        next_offset: more.then_some(query.offset + query.limit),
    })
}

/// A published template by its slug or id, with its current spec.
pub async fn get(db: &PgPool, slug_or_id: &str) -> Result<TemplateDetail, AppError> {
    let id = slug_or_id.parse::<Uuid>().ok();
    let mut tx = tenant::begin(db, Tenant::default())
        .await
        .map_err(internal)?;
    let row = sqlx::query(concat!(
        "SELECT ",
        template_columns!(),
        ", t.description_md, v.spec_yaml FROM templates t
           JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
          WHERE t.status = 'published' AND (t.slug = $1 OR t.id = $2)"
    ))
    .bind(slug_or_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    tx.commit().await.map_err(internal)?;
    Ok(TemplateDetail {
        summary: summary(&row).map_err(internal)?,
        description_md: row.try_get("description_md").map_err(internal)?,
        spec_yaml: row.try_get("spec_yaml").map_err(internal)?,
    })
}
