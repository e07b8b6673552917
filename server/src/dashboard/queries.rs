//! The dashboard's reads, all from the roll-ups (`usage_daily`, `run_outcomes_daily`)
//! except the few latest failures and the signed end users' use, under the team's RLS. Each is a small sum over at most
//! a few thousand rows, however many runs the team has.

use app::conversations::EndUserUsage;
use app::dashboard::{AgentUsage, FailedRun, KeyUsage};
use app::spec::MicroUsd;
use chrono::NaiveDate;
use sqlx::FromRow;
use uuid::Uuid;

use super::window::Window;
use crate::db::tenant::Tx;

/// Runs that ended on one day with one status and reason, in the range or the period
/// before it.
#[derive(Debug, FromRow)]
pub struct OutcomeRow {
    pub day: NaiveDate,
    pub status: String,
    pub reason: String,
    pub runs: i64,
    pub latency_ms_sum: i64,
}

pub async fn outcomes(tx: &mut Tx, window: &Window) -> Result<Vec<OutcomeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, status::text AS status, reason, runs, latency_ms_sum
           FROM run_outcomes_daily WHERE day BETWEEN $1 AND $2",
    )
    .bind(window.previous_from)
    .bind(window.to)
    .fetch_all(&mut **tx)
    .await
}

/// Each day's latency bucket counts, in the range or the period before it.
pub async fn latencies(
    tx: &mut Tx,
    window: &Window,
) -> Result<Vec<(NaiveDate, Vec<i64>)>, sqlx::Error> {
    sqlx::query_as("SELECT day, counts FROM run_latency_daily WHERE day BETWEEN $1 AND $2")
        .bind(window.previous_from)
        .bind(window.to)
        .fetch_all(&mut **tx)
        .await
}

/// One provider/model's runs, tokens, cost and gateway calls on one day, in the range
/// or the period before it.
#[derive(Debug, FromRow)]
pub struct UsageDay {
    pub day: NaiveDate,
    pub provider: String,
    pub model: String,
    pub runs: i64,
    pub tokens: i64,
    pub cost: i64,
    pub gateway_requests: i64,
}

pub async fn usage_days(tx: &mut Tx, window: &Window) -> Result<Vec<UsageDay>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, provider, model, sum(runs)::bigint AS runs,
                sum(prompt_tokens + completion_tokens)::bigint AS tokens, sum(cost_micro_usd)::bigint AS cost,
                sum(gateway_requests)::bigint AS gateway_requests
           FROM usage_daily WHERE day BETWEEN $1 AND $2
          GROUP BY day, provider, model",
    )
    .bind(window.previous_from)
    .bind(window.to)
    .fetch_all(&mut **tx)
    .await
}

/// The agents with the most runs in the range (then the costliest).
pub async fn top_agents(tx: &mut Tx, window: &Window) -> Result<Vec<AgentUsage>, sqlx::Error> {
    let rows: Vec<(Uuid, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT a.id, a.name, sum(u.runs)::bigint AS runs, sum(u.failures)::bigint AS failed,
                sum(u.cost_micro_usd)::bigint AS cost
           FROM usage_daily u JOIN agents a ON a.id = u.agent_id
          WHERE u.day BETWEEN $1 AND $2
          GROUP BY a.id, a.name
          ORDER BY runs DESC, cost DESC, a.name LIMIT 10",
    )
    .bind(window.from)
    .bind(window.to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, runs, failed, cost)| AgentUsage {
            id,
            name,
            runs,
            failed,
            cost: MicroUsd(cost),
        })
        .collect())
}

/// The latest failed runs that started in the range.
pub async fn recent_failures(tx: &mut Tx, window: &Window) -> Result<Vec<FailedRun>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, Option<String>)> = sqlx::query_as(
        "SELECT r.id, coalesce(a.name, 'a deleted agent') AS agent_name,
                coalesce(r.failure_reason, 'unknown') AS reason,
                to_char(r.finished_at AT TIME ZONE 'utc', 'YYYY-MM-DD HH24:MI') AS finished
           FROM runs r LEFT JOIN agents a ON a.id = r.agent_id
          WHERE r.status = 'failed' AND r.created_at >= $1::timestamp AT TIME ZONE 'utc'
            AND r.created_at < ($2 + 1)::timestamp AT TIME ZONE 'utc'
          ORDER BY r.created_at DESC LIMIT 5",
    )
    .bind(window.from)
    .bind(window.to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, agent_name, reason, finished)| FailedRun {
            id,
            agent_name,
            reason,
            when: finished.unwrap_or_default(),
        })
        .collect())
}

/// Gateway calls per API key in the range (calls made by runs are the agents'), and
/// what each key spent this month against its budget — the rule the gateway enforces.
pub async fn gateway_keys(tx: &mut Tx, window: &Window) -> Result<Vec<KeyUsage>, sqlx::Error> {
    let rows: Vec<KeyUsageRow> = sqlx::query_as(
        "WITH month AS (SELECT date_trunc('month', now() AT TIME ZONE 'utc')::date AS start)
         SELECT k.name, k.prefix, k.budget_micro_usd,
                sum(u.gateway_requests) FILTER (WHERE u.in_range AND u.agent_id IS NULL)::bigint AS requests,
                sum(u.tokens) FILTER (WHERE u.in_range AND u.agent_id IS NULL)::bigint AS tokens,
                sum(u.cost_micro_usd) FILTER (WHERE u.in_range AND u.agent_id IS NULL)::bigint AS cost,
                sum(u.cache_hits) FILTER (WHERE u.in_range AND u.agent_id IS NULL)::bigint AS cache_hits,
                sum(u.cost_saved_micro_usd) FILTER (WHERE u.in_range AND u.agent_id IS NULL)::bigint AS cost_saved,
                sum(u.cost_micro_usd) FILTER (WHERE u.day >= (SELECT start FROM month))::bigint AS month_cost
           FROM (SELECT api_key_id, agent_id, day, cost_micro_usd, gateway_requests, cache_hits, cost_saved_micro_usd,
                        prompt_tokens + completion_tokens AS tokens, day BETWEEN $1 AND $2 AS in_range
                   FROM usage_daily
                  WHERE api_key_id IS NOT NULL
                    AND (day BETWEEN $1 AND $2 OR day >= (SELECT start FROM month))) u
           JOIN api_keys k ON k.id = u.api_key_id
          GROUP BY k.id, k.name, k.prefix, k.budget_micro_usd
         HAVING coalesce(sum(u.gateway_requests) FILTER (WHERE u.in_range AND u.agent_id IS NULL), 0) > 0
          ORDER BY requests DESC, k.name",
    )
    .bind(window.from)
    .bind(window.to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| KeyUsage {
            name: row.name,
            prefix: row.prefix,
            requests: row.requests.unwrap_or(0),
            tokens: row.tokens.unwrap_or(0),
            cost: MicroUsd(row.cost.unwrap_or(0)),
            budget: row.budget_micro_usd.map(MicroUsd),
            spent_this_month: MicroUsd(row.month_cost.unwrap_or(0)),
            cache_hits: row.cache_hits.unwrap_or(0),
            cost_saved: MicroUsd(row.cost_saved.unwrap_or(0)),
        })
        .collect())
}

/// A key's gateway use; the sums are null where it had none.
#[derive(FromRow)]
struct KeyUsageRow {
    name: String,
    prefix: String,
    budget_micro_usd: Option<i64>,
    requests: Option<i64>,
    tokens: Option<i64>,
    cost: Option<i64>,
    cache_hits: Option<i64>,
    cost_saved: Option<i64>,
    month_cost: Option<i64>,
}

/// The signed end users of embedded chats with the most spent in the range (then the
/// most messages): their turns' runs, each counted once, by the conversations they
/// hold. The name is the latest their site gave.
pub async fn end_users(
    tx: &mut Tx,
    window: &Window,
    limit: i64,
) -> Result<Vec<EndUserUsage>, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        end_user: String,
        name: Option<String>,
        agent_id: Uuid,
        agent_name: String,
        conversations: i64,
        messages: i64,
        cost: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.end_user, (array_agg(c.end_user_name ORDER BY c.created_at DESC))[1] AS name,
                c.agent_id, a.name AS agent_name,
                count(DISTINCT c.id)::bigint AS conversations,
                count(r.id)::bigint AS messages,
                coalesce(sum(r.cost_micro_usd), 0)::bigint AS cost
           FROM conversations c
           JOIN agents a ON a.id = c.agent_id
           JOIN runs r ON r.conversation_id = c.id
          WHERE c.end_user IS NOT NULL
            AND r.created_at >= $1::timestamp AT TIME ZONE 'utc'
            AND r.created_at < ($2 + 1)::timestamp AT TIME ZONE 'utc'
          GROUP BY c.end_user, c.agent_id, a.name
          ORDER BY cost DESC, messages DESC, c.end_user LIMIT $3",
    )
    .bind(window.from)
    .bind(window.to)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| EndUserUsage {
            end_user: row.end_user,
            name: row.name,
            agent_id: row.agent_id,
            agent_name: row.agent_name,
            conversations: row.conversations,
            messages: row.messages,
            cost: MicroUsd(row.cost),
        })
        .collect())
}

/// Whether the team ever ran an agent or called the gateway.
pub async fn has_activity(tx: &mut Tx) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM usage_daily) OR EXISTS (SELECT 1 FROM run_outcomes_daily)",
    )
    .fetch_one(&mut **tx)
    .await
}
