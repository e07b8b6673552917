//! The marketplace's pages: published templates by full-text search (Postgres
//! `websearch_to_tsquery`), category and order. Pages are cached in Redis under a
//! generation number that publishing, purchases and reviews bump, so a change shows at
//! once and nothing has to find and delete old keys.

use app::marketplace::{BrowseQuery, TemplateCard, TemplateSort, TemplatesPage};
use redis::AsyncCommands;
use sqlx::{PgPool, QueryBuilder};

use super::cards::{CardRow, card_columns};
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use crate::redis_client::RedisClient;

/// How long a cached page lives at most (the generation makes it stale sooner).
const CACHE_SECS: u64 = 300;

/// A page of templates, from the cache when it has it.
pub async fn browse(
    db: &PgPool,
    cache: &RedisClient,
    query: BrowseQuery,
    page_size: u32,
) -> Result<TemplatesPage, ServerError> {
    let query = query.normalized()?;
    let key = cache_key(cache, &query, page_size).await;
    if let Some(key) = &key
        && let Some(page) = cached(cache, key).await
    {
        return Ok(page);
    }
    let page = search(db, &query, page_size).await?;
    if let Some(key) = &key {
        store(cache, key, &page).await;
    }
    Ok(page)
}

/// Marks every cached page stale. A Redis failure only costs freshness for
/// [`CACHE_SECS`], so it is logged, not raised.
pub async fn invalidate(cache: &RedisClient) {
    let result = async {
        let mut redis = cache.connection().await?;
        let _: i64 = redis.incr(cache.key("marketplace:generation"), 1).await?;
        Ok::<_, crate::redis_client::RedisClientError>(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not invalidate the marketplace cache");
    }
}

async fn cache_key(cache: &RedisClient, query: &BrowseQuery, page_size: u32) -> Option<String> {
    let mut redis = cache.connection().await.ok()?;
    let generation: Option<i64> = redis.get(cache.key("marketplace:generation")).await.ok()?;
    let identity = serde_json::to_string(&(query, page_size)).ok()?;
    Some(cache.key(&format!(
        "marketplace:{}:{identity}",
        generation.unwrap_or(0)
    )))
}

async fn cached(cache: &RedisClient, key: &str) -> Option<TemplatesPage> {
    let mut redis = cache.connection().await.ok()?;
    let text: Option<String> = redis.get(key).await.ok()?;
    serde_json::from_str(&text?).ok()
}

async fn store(cache: &RedisClient, key: &str, page: &TemplatesPage) {
    let Ok(text) = serde_json::to_string(page) else {
        return;
    };
    if let Ok(mut redis) = cache.connection().await {
        let _: Result<(), _> = redis.set_ex(key, text, CACHE_SECS).await;
    }
}

async fn search(
    db: &PgPool,
    query: &BrowseQuery,
    page_size: u32,
) -> Result<TemplatesPage, ServerError> {
    let search = (!query.search.is_empty()).then_some(query.search.as_str());
    let mut sql = QueryBuilder::new(concat!(
        "SELECT ",
        card_columns!(),
        ", count(*) OVER () AS total FROM templates t WHERE t.status = 'published'"
    ));
    if let Some(search) = search {
        sql.push(" AND t.search @@ websearch_to_tsquery('english', ")
            .push_bind(search)
            .push(")");
    }
    if let Some(category) = &query.category {
        sql.push(" AND t.category = ").push_bind(category);
    }
    sql.push(" ORDER BY ");
    if let Some(search) = search {
        sql.push("ts_rank(t.search, websearch_to_tsquery('english', ")
            .push_bind(search)
            .push(")) DESC, ");
    }
    sql.push(match query.sort {
        TemplateSort::Popular => "t.deploy_count DESC, t.published_at DESC",
        TemplateSort::Recent => "t.published_at DESC",
        TemplateSort::TopRated => {
            "(t.rating_sum::float8 / nullif(t.rating_count, 0)) DESC NULLS LAST, t.rating_count DESC"
        }
    });
    sql.push(", t.id LIMIT ")
        .push_bind(i64::from(page_size))
        .push(" OFFSET ")
        .push_bind(i64::from((query.page - 1) * page_size));
    let mut tx = tenant::begin(db, Tenant::default()).await?;
    let rows: Vec<Listed> = sql.build_query_as().fetch_all(&mut *tx).await?;
    tenant::done_reading(tx);
    let total = rows.first().map_or(0, |row| row.total);
    let templates = rows
        .into_iter()
        .map(|row| TemplateCard::from(row.card))
        .collect();
    Ok(TemplatesPage {
        templates,
        total,
        page: query.page,
        pages: u32::try_from((total + i64::from(page_size) - 1) / i64::from(page_size))
            .unwrap_or(u32::MAX),
    })
}

/// A card on a page of the listing, with how many match in all.
#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    card: CardRow,
    total: i64,
}
