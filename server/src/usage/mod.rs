//! A team's usage in the current billing period (the calendar month, UTC) against its
//! plan: what `GET /v1/usage` answers and the dashboard's quota bars will show.

pub mod quota;
pub mod roll_up;

use app::backend::Actor;
use serde::Serialize;
use sqlx::PgPool;

use crate::db::tenant;
use crate::errors::ServerError;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PeriodUsage {
    pub plan: String,
    /// The first day of the period and the first day of the next (UTC dates).
    pub period_start: String,
    pub period_end: String,
    pub runs: i64,
    pub runs_limit: i64,
    pub tokens: i64,
    pub tokens_limit: i64,
    /// What runs and gateway calls cost this period, in micro-dollars.
    pub cost_micro_usd: i64,
}

pub async fn current(db: &PgPool, actor: &Actor) -> Result<PeriodUsage, ServerError> {
    let mut tx = tenant::begin_as(db, actor).await?;
    let usage = sqlx::query_as(
        "WITH period AS (SELECT date_trunc('month', now() AT TIME ZONE 'utc')::date AS start)
         SELECT t.plan::text AS plan, p.monthly_runs::bigint AS runs_limit, p.monthly_tokens AS tokens_limit,
                period.start::text AS period_start, (period.start + interval '1 month')::date::text AS period_end,
                coalesce(u.runs, 0) AS runs, coalesce(u.tokens, 0) AS tokens,
                coalesce((SELECT sum(d.cost_micro_usd) FROM usage_daily d WHERE d.day >= period.start), 0)::bigint AS cost_micro_usd
           FROM period, teams t JOIN plans p ON p.tier = t.plan
           LEFT JOIN usage_periods u ON u.team_id = t.id AND u.period_start = (SELECT start FROM period)
          WHERE t.id = $1",
    )
    .bind(actor.team_id)
    .fetch_one(&mut *tx)
    .await
    ?;
    tx.commit().await?;
    Ok(usage)
}
