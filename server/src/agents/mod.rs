//! Agents and runs for the web app (implements `app::backend::Agents`; the REST API
//! will call the same). Thin: the run lifecycle lives in `runs`.

use app::agents::workflow_graph::Graph;
use app::agents::{
    AgentDetail, AgentSort, AgentSummary, AgentsPage, Day, RunDetail, RunFilter, RunSummary,
    RunsPage, VersionPair, VersionSummary,
};
use app::auth::Role;
use app::backend::{Actor, Agents};
use app::error::AppError;
use app::runs::RunStatus;
use app::spec::{MicroUsd, Spec, SpecBody};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
pub mod store;

use crate::runs::{self, RunError};

pub struct AgentsService {
    db: PgPool,
}

impl AgentsService {
    pub fn new(db: PgPool) -> AgentsService {
        AgentsService { db }
    }

    async fn spec_of(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        version: i32,
    ) -> Result<String, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let yaml: Option<String> = sqlx::query_scalar(
            "SELECT spec_yaml FROM agent_versions WHERE agent_id = $1 AND version = $2",
        )
        .bind(agent_id)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        yaml.ok_or(AppError::NotFound.into())
    }
}

impl From<RunError> for ServerError {
    fn from(error: RunError) -> ServerError {
        match error {
            RunError::NotFound => AppError::NotFound.into(),
            RunError::InvalidInput(problems) => {
                AppError::invalid("input", problems.join("; ")).into()
            }
            RunError::QuotaExceeded {
                message,
                retry_after_secs,
            } => AppError::QuotaExceeded {
                message,
                retry_after_secs,
            }
            .into(),
            RunError::Database(error) => error.into(),
        }
    }
}

/// The columns of a run summary, as a literal so queries are built with `concat!`
/// (nothing is ever formatted into SQL).
macro_rules! run_columns {
    () => {
        "r.id, r.status::text AS status, r.cost_micro_usd, r.created_at, r.failure_reason,
         (extract(epoch FROM r.finished_at - coalesce(r.started_at, r.created_at)) * 1000)::bigint AS duration_ms"
    };
}

/// A run summary's columns, as `run_columns!` selects them.
#[derive(sqlx::FromRow)]
struct RunSummaryRow {
    id: Uuid,
    status: String,
    cost_micro_usd: i64,
    created_at: DateTime<Utc>,
    failure_reason: Option<String>,
    duration_ms: Option<i64>,
}

impl From<RunSummaryRow> for RunSummary {
    fn from(row: RunSummaryRow) -> RunSummary {
        RunSummary {
            id: row.id,
            status: RunStatus::parse(&row.status).unwrap_or(RunStatus::Failed),
            cost: MicroUsd(row.cost_micro_usd),
            created: crate::display::time(row.created_at),
            duration_ms: row.duration_ms,
            failure_reason: row.failure_reason,
        }
    }
}

/// An agent with its latest run: the run's columns (`run_columns!`, left-joined) are
/// all null for an agent that has never run.
#[derive(sqlx::FromRow)]
struct AgentSummaryRow {
    agent_id: Uuid,
    name: String,
    description: String,
    kind: String,
    current_version: i32,
    updated_at: DateTime<Utc>,
    /// Selected only where the list is paged by creation.
    #[sqlx(default)]
    agent_created_at: Option<DateTime<Utc>>,
    id: Option<Uuid>,
    status: Option<String>,
    cost_micro_usd: Option<i64>,
    created_at: Option<DateTime<Utc>>,
    failure_reason: Option<String>,
    duration_ms: Option<i64>,
}

impl From<AgentSummaryRow> for AgentSummary {
    fn from(row: AgentSummaryRow) -> AgentSummary {
        let last_run = match (row.id, row.status, row.created_at) {
            (Some(id), Some(status), Some(created_at)) => Some(RunSummary::from(RunSummaryRow {
                id,
                status,
                cost_micro_usd: row.cost_micro_usd.unwrap_or(0),
                created_at,
                failure_reason: row.failure_reason,
                duration_ms: row.duration_ms,
            })),
            _ => None,
        };
        AgentSummary {
            id: row.agent_id,
            name: row.name,
            description: row.description,
            kind: row.kind,
            version: row.current_version,
            updated: crate::display::time(row.updated_at),
            last_run,
        }
    }
}

/// A run with what its page shows beyond the summary.
#[derive(sqlx::FromRow)]
struct RunDetailRow {
    #[sqlx(flatten)]
    summary: RunSummaryRow,
    agent_id: Option<Uuid>,
    agent_name: String,
    input: Value,
    output: Option<Value>,
    failure_detail: Option<String>,
    tokens: i64,
    spec: Option<Value>,
    conversation_id: Option<Uuid>,
}

/// The agent as its current version describes it.
#[derive(sqlx::FromRow)]
struct AgentRow {
    name: String,
    description: String,
    kind: String,
    current_version: i32,
    spec_yaml: String,
    spec: sqlx::types::Json<Spec>,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i32,
    author: String,
    created_at: DateTime<Utc>,
}

/// A page cursor: where the page ended, as `<microseconds>_<agent id>`.
fn cursor_of(created_at: chrono::DateTime<chrono::Utc>, id: Uuid) -> String {
    format!("{}_{id}", created_at.timestamp_micros())
}

fn parse_cursor(text: &str) -> Result<(chrono::DateTime<chrono::Utc>, Uuid), AppError> {
    let bad = || AppError::invalid("cursor", "Pass a next_cursor from an earlier page.");
    let (micros, id) = text.split_once('_').ok_or_else(bad)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(chrono::DateTime::from_timestamp_micros)
        .ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

impl AgentsService {
    pub async fn list(
        &self,
        actor: &Actor,
        search: Option<&str>,
        sort: AgentSort,
    ) -> Result<Vec<AgentSummary>, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let pattern = search.map(|s| {
            format!(
                "%{}%",
                s.trim()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let rows: Vec<AgentSummaryRow> = sqlx::query_as(concat!(
            "SELECT a.id AS agent_id, a.name, a.description, a.kind, a.current_version, a.updated_at, ",
            run_columns!(),
            " FROM agents a
               LEFT JOIN LATERAL (SELECT * FROM runs WHERE agent_id = a.id ORDER BY created_at DESC LIMIT 1) r ON true
              WHERE a.archived_at IS NULL AND ($1::text IS NULL OR a.name ILIKE $1)
              ORDER BY CASE WHEN $2 = 'name' THEN lower(a.name) END,
                       CASE WHEN $2 = 'last_run' THEN r.created_at END DESC NULLS LAST,
                       a.updated_at DESC
              LIMIT 200"
        ))
        .bind(pattern)
        .bind(sort.as_str())
        .fetch_all(&mut *tx)
        .await
        ?;
        tx.commit().await?;
        Ok(rows.into_iter().map(AgentSummary::from).collect())
    }

    pub async fn page(
        &self,
        actor: &Actor,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AgentsPage, ServerError> {
        let after = cursor.map(parse_cursor).transpose()?;
        let limit = limit.clamp(1, 100);
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let mut rows: Vec<AgentSummaryRow> = sqlx::query_as(concat!(
            "SELECT a.id AS agent_id, a.name, a.description, a.kind, a.current_version, a.updated_at, a.created_at AS agent_created_at, ",
            run_columns!(),
            " FROM agents a
               LEFT JOIN LATERAL (SELECT * FROM runs WHERE agent_id = a.id ORDER BY created_at DESC LIMIT 1) r ON true
              WHERE a.archived_at IS NULL
                AND ($1::timestamptz IS NULL OR (a.created_at, a.id) < ($1, $2))
              ORDER BY a.created_at DESC, a.id DESC
              LIMIT $3"
        ))
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *tx)
        .await
        ?;
        tenant::done_reading(tx);
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = match rows.last() {
            Some(row) if more => row
                .agent_created_at
                .map(|created_at| cursor_of(created_at, row.agent_id)),
            _ => None,
        };
        let agents = rows.into_iter().map(AgentSummary::from).collect();
        Ok(AgentsPage {
            agents,
            next_cursor,
        })
    }

    pub async fn archive(&self, actor: &Actor, agent_id: Uuid) -> Result<(), ServerError> {
        crate::teams::rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let archived = sqlx::query(
            "UPDATE agents SET archived_at = now() WHERE id = $1 AND archived_at IS NULL",
        )
        .bind(agent_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if archived == 0 {
            return Err(AppError::NotFound.into());
        }
        crate::audit::record(
            &mut tx,
            crate::audit::Entry {
                team_id: Some(actor.team_id),
                actor: Some(actor.user_id),
                action: "agent.archived",
                target: Some(("agent", agent_id.to_string())),
                detail: serde_json::json!({}),
                ip: actor.ip,
            },
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn create(&self, actor: &Actor, spec: &str) -> Result<Uuid, ServerError> {
        if actor.role < Role::Admin {
            return Err(AppError::Forbidden.into());
        }
        store::create_agent(&self.db, Tenant::of(actor), spec).await
    }

    pub async fn get(&self, actor: &Actor, agent_id: Uuid) -> Result<AgentDetail, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let agent: AgentRow = sqlx::query_as(
            "SELECT a.name, a.description, a.kind, a.current_version, v.spec_yaml, v.spec
               FROM agents a JOIN agent_versions v ON v.agent_id = a.id AND v.version = a.current_version
              WHERE a.id = $1 AND a.archived_at IS NULL",
        )
        .bind(agent_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        let versions: Vec<VersionRow> = sqlx::query_as(
            "SELECT v.version, coalesce(u.display_name, 'Someone') AS author, v.created_at
               FROM agent_versions v LEFT JOIN users u ON u.id = v.created_by
              WHERE v.agent_id = $1 ORDER BY v.version DESC",
        )
        .bind(agent_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AgentDetail {
            id: agent_id,
            name: agent.name,
            description: agent.description,
            kind: agent.kind,
            version: agent.current_version,
            spec_yaml: agent.spec_yaml,
            inputs: agent.spec.0.inputs,
            can_edit: actor.role >= Role::Admin,
            versions: versions
                .into_iter()
                .map(|row| VersionSummary {
                    version: row.version,
                    author: row.author,
                    created: crate::display::time(row.created_at),
                })
                .collect(),
        })
    }

    pub async fn save_version(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        spec: &str,
    ) -> Result<i32, ServerError> {
        if actor.role < Role::Admin {
            return Err(AppError::Forbidden.into());
        }
        store::save_version(&self.db, Tenant::of(actor), agent_id, spec).await
    }

    pub async fn restore_version(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        version: i32,
    ) -> Result<i32, ServerError> {
        let yaml = self.spec_of(actor, agent_id, version).await?;
        self.save_version(actor, agent_id, &yaml).await
    }

    pub async fn compare(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        old: i32,
        new: i32,
    ) -> Result<VersionPair, ServerError> {
        let agent = self.get(actor, agent_id).await?;
        Ok(VersionPair {
            agent_name: agent.name,
            old: (old, self.spec_of(actor, agent_id, old).await?),
            new: (new, self.spec_of(actor, agent_id, new).await?),
        })
    }

    pub async fn start_run(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        input: Map<String, Value>,
    ) -> Result<Uuid, ServerError> {
        Ok(runs::start_run(
            &self.db,
            Tenant::of(actor),
            agent_id,
            input,
            actor.api_key_id,
        )
        .await?)
    }

    pub async fn run(&self, actor: &Actor, run_id: Uuid) -> Result<RunDetail, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let row: RunDetailRow = sqlx::query_as(concat!(
            "SELECT ",
            run_columns!(),
            ", r.agent_id, coalesce(a.name, 'Deleted agent') AS agent_name, r.input, r.output, r.failure_detail,
                    r.prompt_tokens + r.completion_tokens AS tokens
               , v.spec, r.conversation_id
               FROM runs r LEFT JOIN agents a ON a.id = r.agent_id
               LEFT JOIN agent_versions v ON v.agent_id = r.agent_id AND v.version = r.agent_version
              WHERE r.id = $1"
        ))
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await
        ?
        .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let summary = RunSummary::from(row.summary);
        // A spec stored by an older version may no longer read: the run shows without
        // its graph rather than failing.
        let spec: Option<Spec> = row.spec.and_then(|spec| serde_json::from_value(spec).ok());
        let graph = spec.and_then(|spec| match spec.body {
            SpecBody::Workflow(flow) => Some(Graph::of(&flow)),
            SpecBody::Agent(_) => None,
        });
        let steps = runs::store::steps(&self.db, actor.team_id, run_id).await?;
        Ok(RunDetail {
            id: run_id,
            agent_id: row.agent_id,
            agent_name: row.agent_name,
            conversation_id: row.conversation_id,
            status: summary.status,
            input: row.input,
            output: row.output,
            failure_reason: summary.failure_reason,
            failure_detail: row.failure_detail,
            cost: summary.cost,
            tokens: row.tokens,
            created: summary.created,
            duration_ms: summary.duration_ms,
            steps,
            graph,
        })
    }

    pub async fn runs(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        filter: RunFilter,
        before: Option<&str>,
    ) -> Result<RunsPage, ServerError> {
        const PAGE: usize = 20;
        let before = before
            .map(|cursor| {
                chrono::DateTime::parse_from_rfc3339(cursor)
                    .map(|at| at.with_timezone(&chrono::Utc))
            })
            .transpose()
            .map_err(|_| AppError::invalid("before", "Not a page of this list."))?;
        let from = filter.from.map(day_start).transpose()?;
        // `to` includes its whole day.
        let until = filter
            .to
            .map(|day| day_start(day).map(|start| start + chrono::Duration::days(1)))
            .transpose()?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        // Another team's agent is not found, as the agent itself is (not an empty list).
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agents WHERE id = $1)")
            .bind(agent_id)
            .fetch_one(&mut *tx)
            .await?;
        if !known {
            return Err(AppError::NotFound.into());
        }
        let mut rows: Vec<RunSummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs r WHERE r.agent_id = $1 AND ($2::text IS NULL OR r.status::text = $2)
                AND ($3::timestamptz IS NULL OR r.created_at < $3)
                AND ($4::timestamptz IS NULL OR r.created_at >= $4)
                AND ($5::timestamptz IS NULL OR r.created_at < $5)
              ORDER BY r.created_at DESC LIMIT 21"
        ))
        .bind(agent_id)
        .bind(filter.status.map(RunStatus::as_str))
        .bind(before)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let more = rows.len() > PAGE;
        rows.truncate(PAGE);
        let next_before = match rows.last() {
            Some(last) if more => Some(
                last.created_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            ),
            _ => None,
        };
        let runs = rows.into_iter().map(RunSummary::from).collect();
        Ok(RunsPage { runs, next_before })
    }

    pub async fn cancel_run(&self, actor: &Actor, run_id: Uuid) -> Result<(), ServerError> {
        Ok(runs::cancel_run(&self.db, Tenant::of(actor), run_id).await?)
    }
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Agents for AgentsService {
    async fn list(
        &self,
        actor: &Actor,
        search: Option<&str>,
        sort: AgentSort,
    ) -> Result<Vec<AgentSummary>, AppError> {
        Ok(AgentsService::list(self, actor, search, sort).await?)
    }

    async fn page(
        &self,
        actor: &Actor,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<AgentsPage, AppError> {
        Ok(AgentsService::page(self, actor, cursor, limit).await?)
    }

    async fn archive(&self, actor: &Actor, agent_id: Uuid) -> Result<(), AppError> {
        Ok(AgentsService::archive(self, actor, agent_id).await?)
    }

    async fn create(&self, actor: &Actor, spec: &str) -> Result<Uuid, AppError> {
        Ok(AgentsService::create(self, actor, spec).await?)
    }

    async fn get(&self, actor: &Actor, agent_id: Uuid) -> Result<AgentDetail, AppError> {
        Ok(AgentsService::get(self, actor, agent_id).await?)
    }

    async fn save_version(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        spec: &str,
    ) -> Result<i32, AppError> {
        Ok(AgentsService::save_version(self, actor, agent_id, spec).await?)
    }

    async fn restore_version(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        version: i32,
    ) -> Result<i32, AppError> {
        Ok(AgentsService::restore_version(self, actor, agent_id, version).await?)
    }

    async fn compare(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        old: i32,
        new: i32,
    ) -> Result<VersionPair, AppError> {
        Ok(AgentsService::compare(self, actor, agent_id, old, new).await?)
    }

    async fn start_run(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        input: Map<String, Value>,
    ) -> Result<Uuid, AppError> {
        Ok(AgentsService::start_run(self, actor, agent_id, input).await?)
    }

    async fn run(&self, actor: &Actor, run_id: Uuid) -> Result<RunDetail, AppError> {
        Ok(AgentsService::run(self, actor, run_id).await?)
    }

    async fn runs(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        filter: RunFilter,
        before: Option<&str>,
    ) -> Result<RunsPage, AppError> {
        Ok(AgentsService::runs(self, actor, agent_id, filter, before).await?)
    }

    async fn cancel_run(&self, actor: &Actor, run_id: Uuid) -> Result<(), AppError> {
        Ok(AgentsService::cancel_run(self, actor, run_id).await?)
    }
}

/// Midnight UTC at the start of a day; a day that does not exist (31 April) is refused.
fn day_start(day: Day) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    chrono::NaiveDate::from_ymd_opt(day.year, day.month, day.day)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| AppError::invalid("from", format!("{day} is not a date.")))
}
