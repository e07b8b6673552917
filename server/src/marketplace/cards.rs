//! A template row as a marketplace card: the columns and their reading, shared by every
//! query that lists or shows templates (flattened into their own row types).

use app::marketplace::TemplateCard;
use uuid::Uuid;

/// The columns of a [`CardRow`], from `templates t`.
macro_rules! card_columns {
    () => {
        "t.id, t.slug, t.title, t.summary, t.category, t.tags, t.price_cents, t.current_version,
         t.deploy_count, t.rating_count, t.rating_sum"
    };
}
pub(crate) use card_columns;

#[derive(sqlx::FromRow)]
pub struct CardRow {
    id: Uuid,
    slug: String,
    title: String,
    summary: String,
    category: String,
    tags: Vec<String>,
    price_cents: i64,
    current_version: i32,
    deploy_count: i64,
    rating_count: i64,
    rating_sum: i64,
}

impl From<CardRow> for TemplateCard {
    fn from(row: CardRow) -> TemplateCard {
        let (count, sum) = (row.rating_count, row.rating_sum);
        TemplateCard {
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            category: row.category,
            tags: row.tags,
            price_cents: row.price_cents,
            version: row.current_version,
            deploy_count: row.deploy_count,
            rating_count: count,
            rating: (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0),
        }
    }
}
