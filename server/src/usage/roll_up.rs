//! The daily roll-ups the dashboard reads, owned here and added to by whoever has
//! something to count — a model call, a finished run, a batch of gateway calls —
//! inside that write's own transaction, so nothing is counted twice or lost.

use app::runs::RunStatus;
use uuid::Uuid;

use crate::db::tenant;

/// One addition to the daily roll-up the dashboard reads: a model call, a finished run
/// or a batch of gateway calls, under its team, agent, key, provider and model.
#[derive(Debug, Default)]
pub struct UsageRow<'a> {
    pub team_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub provider: &'a str,
    pub model: &'a str,
    pub runs: i64,
    pub gateway_requests: i64,
    pub failures: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_micro_usd: i64,
    pub latency_ms: i64,
    /// Gateway calls answered from the response cache, and what they would have cost.
    pub cache_hits: i64,
    pub cost_saved_micro_usd: i64,
}

pub async fn roll_up(tx: &mut tenant::Tx, usage: &UsageRow<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO usage_daily AS u (team_id, day, agent_id, api_key_id, provider, model, runs, gateway_requests,
                                      failures, prompt_tokens, completion_tokens, cost_micro_usd, latency_ms_sum,
                                      cache_hits, cost_saved_micro_usd)
         VALUES ($1, (now() AT TIME ZONE 'utc')::date, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (team_id, day, agent_id, api_key_id, provider, model) DO UPDATE SET
            runs = u.runs + EXCLUDED.runs, gateway_requests = u.gateway_requests + EXCLUDED.gateway_requests,
            failures = u.failures + EXCLUDED.failures,
            prompt_tokens = u.prompt_tokens + EXCLUDED.prompt_tokens,
            completion_tokens = u.completion_tokens + EXCLUDED.completion_tokens,
            cost_micro_usd = u.cost_micro_usd + EXCLUDED.cost_micro_usd,
            latency_ms_sum = u.latency_ms_sum + EXCLUDED.latency_ms_sum,
            cache_hits = u.cache_hits + EXCLUDED.cache_hits,
            cost_saved_micro_usd = u.cost_saved_micro_usd + EXCLUDED.cost_saved_micro_usd",
    )
    .bind(usage.team_id)
    .bind(usage.agent_id)
    .bind(usage.api_key_id)
    .bind(usage.provider)
    .bind(usage.model)
    .bind(usage.runs)
    .bind(usage.gateway_requests)
    .bind(usage.failures)
    .bind(usage.prompt_tokens)
    .bind(usage.completion_tokens)
    .bind(usage.cost_micro_usd)
    .bind(usage.latency_ms)
    .bind(usage.cache_hits)
    .bind(usage.cost_saved_micro_usd)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds an ended run to the outcome roll-ups: its status and failure reason, and its
/// latency bucket (the dashboard's success rate, failures by reason and percentiles).
pub async fn count_outcome(
    tx: &mut tenant::Tx,
    team_id: Uuid,
    status: RunStatus,
    reason: Option<&str>,
    ms: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO run_outcomes_daily AS o (team_id, day, status, reason, runs, latency_ms_sum)
         VALUES ($1, (now() AT TIME ZONE 'utc')::date, $2::run_status, $3, 1, $4::bigint)
         ON CONFLICT (team_id, day, status, reason) DO UPDATE SET
            runs = o.runs + 1, latency_ms_sum = o.latency_ms_sum + EXCLUDED.latency_ms_sum",
    )
    .bind(team_id)
    .bind(status.as_str())
    .bind(reason.unwrap_or(""))
    .bind(ms)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO run_latency_daily AS h (team_id, day, counts)
         SELECT $1, (now() AT TIME ZONE 'utc')::date,
                array_agg((b = latency_bucket($2))::int::bigint ORDER BY b)
           FROM generate_series(0, 100) b
         ON CONFLICT (team_id, day) DO UPDATE SET
            counts[latency_bucket($2) + 1] = h.counts[latency_bucket($2) + 1] + 1",
    )
    .bind(team_id)
    .bind(ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
