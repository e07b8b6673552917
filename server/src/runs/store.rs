//! The runs' SQL: steps (counted in the usage roll-ups), the run's end, and what a
//! worker needs to (re)start a run. Every write runs as the run's team under RLS.

use std::collections::HashMap;

use app::billing::PlanTier;
use app::runs::{RunStatus, StepKind, StepRecord, StepStatus};
use app::spec::MicroUsd;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::usage::roll_up::{UsageRow, count_outcome, roll_up};

/// Records a step and, only if it was not recorded before, adds its usage to the run's
/// totals and to the daily roll-up — in one transaction, so a retried write or a
/// reclaimed run never counts the same tokens twice.
pub async fn insert_step(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    agent_id: Option<Uuid>,
    api_key_id: Option<Uuid>,
    step: &StepRecord,
) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let inserted = sqlx::query(
        "INSERT INTO run_steps (run_id, seq, team_id, parent_seq, node, kind, status, provider, model, detail,
                                prompt_tokens, completion_tokens, cost_micro_usd, latency_ms, started_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                 now() - make_interval(secs => $14::double precision / 1000), now())
         ON CONFLICT (run_id, seq) DO NOTHING",
    )
    .bind(run_id)
    .bind(step.seq)
    .bind(team_id)
    .bind(step.parent)
    .bind(&step.node)
    .bind(step.kind.as_str())
    .bind(if step.status == StepStatus::Ok { "ok" } else { "error" })
    .bind(&step.provider)
    .bind(&step.model)
    .bind(&step.detail)
    .bind(step.prompt_tokens)
    .bind(step.completion_tokens)
    .bind(step.cost.0)
    .bind(step.latency_ms as i32)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted && step.kind == StepKind::LlmCall {
        sqlx::query(
            "UPDATE runs SET prompt_tokens = prompt_tokens + $2, completion_tokens = completion_tokens + $3,
                             cost_micro_usd = cost_micro_usd + $4 WHERE id = $1",
        )
        .bind(run_id)
        .bind(step.prompt_tokens)
        .bind(step.completion_tokens)
        .bind(step.cost.0)
        .execute(&mut *tx)
        .await?;
        crate::usage::quota::count_tokens(
            &mut tx,
            team_id,
            step.prompt_tokens + step.completion_tokens,
        )
        .await?;
        let usage = UsageRow {
            team_id,
            agent_id,
            api_key_id,
            provider: step.provider.as_deref().unwrap_or("none"),
            model: step.model.as_deref().unwrap_or("none"),
            prompt_tokens: step.prompt_tokens,
            completion_tokens: step.completion_tokens,
            cost_micro_usd: step.cost.0,
            latency_ms: step.latency_ms,
            ..UsageRow::default()
        };
        roll_up(&mut tx, &usage).await?;
    }
    tx.commit().await
}

/// How a run ended.
pub struct Ending<'a> {
    pub status: RunStatus,
    pub output: Option<&'a Value>,
    pub reason: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// Ends a run that this worker still holds; counts it in the roll-up and queues its
/// webhook event exactly once (the conditional update succeeds for one caller only). Returns the run's total cost when
/// this call ended it, `None` when it had ended already.
pub async fn finish(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    worker: Option<&str>,
    ending: &Ending<'_>,
) -> Result<Option<MicroUsd>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let row: Option<Ended> = sqlx::query_as(
        "UPDATE runs SET status = $3::run_status, output = $4, failure_reason = $5, failure_detail = $6,
                         finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
          WHERE id = $1 AND status IN ('queued', 'running') AND ($2::text IS NULL OR lease_owner = $2)
          RETURNING agent_id, api_key_id, conversation_id, cost_micro_usd AS cost,
                    coalesce((extract(epoch FROM now() - coalesce(started_at, created_at)) * 1000)::float8, 0) AS ms",
    )
    .bind(run_id)
    .bind(worker)
    .bind(ending.status.as_str())
    .bind(ending.output)
    .bind(ending.reason)
    .bind(ending.detail.map(|d| d.chars().take(2_000).collect::<String>()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    // A run counts under the model that gave its last answer.
    let last: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT provider, model FROM run_steps WHERE run_id = $1 AND kind = 'llm_call' ORDER BY seq DESC LIMIT 1",
    )
    .bind(run_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (provider, model): (String, String) = match last {
        Some((provider, model)) => (provider.unwrap_or_default(), model.unwrap_or_default()),
        None => ("none".into(), "none".into()),
    };
    let failed = i64::from(ending.status == RunStatus::Failed);
    let ms = row.ms;
    let usage = UsageRow {
        team_id,
        agent_id: row.agent_id,
        api_key_id: row.api_key_id,
        provider: &provider,
        model: &model,
        runs: 1,
        failures: failed,
        latency_ms: ms as i64,
        ..UsageRow::default()
    };
    roll_up(&mut tx, &usage).await?;
    count_outcome(&mut tx, team_id, ending.status, ending.reason, ms).await?;
    if let Some(conversation_id) = row.conversation_id {
        crate::conversations::turn_ended(&mut tx, conversation_id, run_id, row.cost, ending.output)
            .await?;
    }
    let event = match ending.status {
        RunStatus::Succeeded => Some("run.succeeded"),
        RunStatus::Failed => Some("run.failed"),
        _ => None,
    };
    if let Some(event) = event {
        let data = serde_json::json!({
            "run_id": run_id,
            "agent_id": row.agent_id,
            "status": ending.status.as_str(),
            "output": ending.output,
            "failure_reason": ending.reason,
            "cost_micro_usd": row.cost.0,
            "duration_ms": ms as i64,
        });
        crate::webhooks::outbox::enqueue(&mut tx, team_id, event, data).await?;
    }
    tx.commit().await?;
    Ok(Some(row.cost))
}

/// What `finish` reads back from the run it ended.
#[derive(sqlx::FromRow)]
struct Ended {
    agent_id: Option<Uuid>,
    api_key_id: Option<Uuid>,
    conversation_id: Option<Uuid>,
    #[sqlx(try_from = "i64")]
    cost: MicroUsd,
    ms: f64,
}

/// What a worker needs to run: the spec, inputs, and who started it.
#[derive(sqlx::FromRow)]
pub struct RunJob {
    pub id: Uuid,
    pub team_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub agent_version: Option<i32>,
    pub api_key_id: Option<Uuid>,
    /// The conversation whose turn this run answers.
    pub conversation_id: Option<Uuid>,
    /// The trace context of the request that queued the run (traces on only).
    pub traceparent: Option<String>,
    pub spec: Value,
    pub input: Value,
    #[sqlx(try_from = "String")]
    pub plan: PlanTier,
    pub cancel_requested: bool,
    #[sqlx(try_from = "i64")]
    pub cost: MicroUsd,
    pub tokens: i64,
}

pub async fn load_job(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> Result<Option<RunJob>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let job = sqlx::query_as(
        "SELECT r.id, r.team_id, r.agent_id, r.agent_version, r.api_key_id, r.conversation_id, r.traceparent, r.input, v.spec, t.plan::text AS plan,
                r.cancel_requested_at IS NOT NULL AS cancel_requested, r.cost_micro_usd AS cost,
                r.prompt_tokens + r.completion_tokens AS tokens
           FROM runs r JOIN agent_versions v ON v.agent_id = r.agent_id AND v.version = r.agent_version
           JOIN teams t ON t.id = r.team_id
          WHERE r.id = $1",
    )
    .bind(run_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(job)
}

pub async fn steps(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> Result<Vec<StepRecord>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let rows: Vec<StepRow> = sqlx::query_as(
        "SELECT seq, parent_seq, node, kind, status, provider, model, prompt_tokens, completion_tokens,
                cost_micro_usd, coalesce(latency_ms, 0)::bigint AS latency_ms, detail
           FROM run_steps WHERE run_id = $1 ORDER BY seq",
    )
    .bind(run_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(StepRecord::from).collect())
}

/// The steps of each of these runs (the turns of a conversation on one page).
pub async fn steps_of(
    db: &PgPool,
    team_id: Uuid,
    run_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<StepRecord>>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        run_id: Uuid,
        #[sqlx(flatten)]
        step: StepRow,
    }
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT run_id, seq, parent_seq, node, kind, status, provider, model, prompt_tokens,
                completion_tokens, cost_micro_usd, coalesce(latency_ms, 0)::bigint AS latency_ms, detail
           FROM run_steps WHERE run_id = ANY($1) ORDER BY run_id, seq",
    )
    .bind(run_ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut steps: HashMap<Uuid, Vec<StepRecord>> = HashMap::new();
    for row in rows {
        steps.entry(row.run_id).or_default().push(row.step.into());
    }
    Ok(steps)
}

/// A `run_steps` row as stored.
#[derive(sqlx::FromRow)]
struct StepRow {
    seq: i32,
    parent_seq: Option<i32>,
    node: Option<String>,
    kind: String,
    status: String,
    provider: Option<String>,
    model: Option<String>,
    prompt_tokens: i64,
    completion_tokens: i64,
    cost_micro_usd: i64,
    latency_ms: i64,
    detail: Value,
}

impl From<StepRow> for StepRecord {
    fn from(row: StepRow) -> StepRecord {
        StepRecord {
            seq: row.seq,
            parent: row.parent_seq,
            node: row.node,
            kind: StepKind::parse(&row.kind).unwrap_or(StepKind::Route),
            status: if row.status == "ok" {
                StepStatus::Ok
            } else {
                StepStatus::Error
            },
            provider: row.provider,
            model: row.model,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            cost: MicroUsd(row.cost_micro_usd),
            latency_ms: row.latency_ms,
            detail: row.detail,
        }
    }
}
