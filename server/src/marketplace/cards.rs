//! A template row as a marketplace card: the columns and their reading, shared by every
//! query that lists or shows templates.

use app::marketplace::TemplateCard;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// The columns [`card`] reads, from `templates t`.
macro_rules! card_columns {
    () => {
        "t.id, t.slug, t.title, t.summary, t.category, t.tags, t.price_cents, t.current_version,
         t.deploy_count, t.rating_count, t.rating_sum"
    };
}
pub(crate) use card_columns;

pub fn card(row: &PgRow) -> Result<TemplateCard, sqlx::Error> {
    let count: i64 = row.try_get("rating_count")?;
    let sum: i64 = row.try_get("rating_sum")?;
    Ok(TemplateCard {
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
