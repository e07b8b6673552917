//! Durable runs: created queued in Postgres, executed by workers, observed through
//! events. The operations the web app and the API share live in this module
//! (`start_run`, `cancel_run`, …); agents themselves are written by `agents::store`.

pub mod event_bus;
pub mod events;
mod recorder;
pub mod store;
pub mod worker;

use std::collections::HashMap;
use std::time::Duration;

use app::spec::Spec;
use serde_json::{Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::engine::providers::TeamProviders;
use crate::engine::{Engine, check_inputs};
use crate::secrets::Sealed;
use crate::usage::quota::QuotaError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("not found")]
    NotFound,
    #[error("invalid input: {}", .0.join("; "))]
    InvalidInput(Vec<String>),
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        retry_after_secs: u64,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<QuotaError> for RunError {
    fn from(error: QuotaError) -> RunError {
        match error {
            QuotaError::Exceeded {
                message,
                retry_after_secs,
            } => RunError::QuotaExceeded {
                message,
                retry_after_secs,
            },
            QuotaError::Database(error) => RunError::Database(error),
        }
    }
}

/// Queues a run of an agent's current version. The run is committed before anything
/// else happens; the inputs are checked first so a bad request creates nothing, and the
/// run is counted against the plan's monthly quota in the same transaction.
pub async fn start_run(
    db: &PgPool,
    tenant: Tenant,
    agent_id: Uuid,
    input: Map<String, Value>,
    api_key_id: Option<Uuid>,
) -> Result<Uuid, RunError> {
    let team_id = tenant.team_id.ok_or(RunError::NotFound)?;
    let mut tx = tenant::begin(db, tenant).await?;
    let (version, spec): (i32, sqlx::types::Json<Spec>) = sqlx::query_as(
        "SELECT a.current_version, v.spec FROM agents a JOIN agent_versions v ON v.agent_id = a.id AND v.version = a.current_version
          WHERE a.id = $1 AND a.archived_at IS NULL",
    )
    .bind(agent_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(RunError::NotFound)?;
    let spec = spec.0;
    let input = check_inputs(&spec, &input).map_err(RunError::InvalidInput)?;
    let queued = Queued {
        team_id,
        agent_id,
        version,
        input,
        api_key_id,
        created_by: tenant.user_id,
        conversation_id: None,
    };
    let run_id = queue(&mut tx, queued).await?;
    tx.commit().await?;
    Ok(run_id)
}

/// A run to queue, its inputs already checked against the version's spec.
pub struct Queued {
    pub team_id: Uuid,
    pub agent_id: Uuid,
    pub version: i32,
    pub input: Map<String, Value>,
    pub api_key_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    /// The conversation whose turn it answers.
    pub conversation_id: Option<Uuid>,
}

/// Counts the run against the team's quota and queues it, in the caller's transaction
/// (a worker takes it once that commits).
pub async fn queue(tx: &mut tenant::Tx, run: Queued) -> Result<Uuid, RunError> {
    crate::usage::quota::count_run(tx, run.team_id).await?;
    let run_id: Uuid = sqlx::query_scalar(
        "INSERT INTO runs (team_id, agent_id, agent_version, input, api_key_id, created_by, traceparent, conversation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(run.team_id)
    .bind(run.agent_id)
    .bind(run.version)
    .bind(Value::Object(run.input))
    .bind(run.api_key_id)
    .bind(run.created_by)
    // The worker that runs it continues this request's trace.
    .bind(crate::telemetry::context::current_traceparent())
    .bind(run.conversation_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(run_id)
}

/// Cancels a run: a queued one ends at once; a running one is stopped by its worker
/// within a second. Finished runs are left as they are.
pub async fn cancel_run(db: &PgPool, tenant: Tenant, run_id: Uuid) -> Result<(), RunError> {
    let team_id = tenant.team_id.ok_or(RunError::NotFound)?;
    let mut tx = tenant::begin(db, tenant).await?;
    let status: String = sqlx::query_scalar("UPDATE runs SET cancel_requested_at = coalesce(cancel_requested_at, now()) WHERE id = $1 RETURNING status::text")
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(RunError::NotFound)?;
    tx.commit().await?;
    if status == "queued" {
        let ending = store::Ending {
            status: app::runs::RunStatus::Cancelled,
            output: None,
            reason: Some("cancelled"),
            detail: Some("cancelled before it started"),
        };
        store::finish(db, team_id, run_id, None, &ending).await?;
    }
    Ok(())
}

/// Extends this worker's lease; `None` when the run is no longer this worker's.
/// Returns whether a cancel was requested.
pub(crate) async fn renew_lease(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    worker: &str,
    lease: Duration,
) -> Result<Option<bool>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let row: Option<(bool,)> = sqlx::query_as(
        "UPDATE runs SET lease_expires_at = now() + make_interval(secs => $3)
          WHERE id = $1 AND lease_owner = $2 AND status = 'running'
          RETURNING cancel_requested_at IS NOT NULL",
    )
    .bind(run_id)
    .bind(worker)
    .bind(lease.as_secs_f64())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.map(|r| r.0))
}

/// Gives a run this worker holds back to the queue, claimable at once, without counting
/// the attempt (draining is not crashing); it continues from its recorded steps.
pub(crate) async fn hand_back(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    worker: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    sqlx::query(
        "UPDATE runs SET lease_owner = NULL, lease_expires_at = now() - interval '1 second',
                         attempts = greatest(attempts - 1, 0)
          WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
    )
    .bind(run_id)
    .bind(worker)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The team's own provider keys, decrypted for one run, and its routing order.
pub(crate) async fn team_providers(
    db: &PgPool,
    engine: &Engine,
    team_id: Uuid,
) -> Result<TeamProviders, sqlx::Error> {
    let keys = decrypt_all(
        db,
        engine,
        team_id,
        "SELECT provider AS name, ciphertext, nonce FROM provider_keys",
    )
    .await?;
    let order = crate::team_routing::load(db, team_id).await?;
    Ok(TeamProviders { keys, order })
}

/// The team's named secrets for custom tools, decrypted for one run.
pub(crate) async fn secrets_for(
    db: &PgPool,
    engine: &Engine,
    team_id: Uuid,
) -> Result<HashMap<String, String>, sqlx::Error> {
    decrypt_all(
        db,
        engine,
        team_id,
        "SELECT name, ciphertext, nonce FROM team_secrets",
    )
    .await
}

async fn decrypt_all(
    db: &PgPool,
    engine: &Engine,
    team_id: Uuid,
    sql: &'static str,
) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let rows: Vec<(String, Vec<u8>, Vec<u8>)> = sqlx::query_as(sql).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let keys = &engine.settings.keyring;
    let mut out = HashMap::new();
    for (name, ciphertext, nonce) in rows {
        let sealed = Sealed { ciphertext, nonce };
        match keys.open_text(team_id, &sealed) {
            Ok(value) => {
                out.insert(name, value);
            }
            Err(_) => {
                tracing::error!(team = %team_id, secret = %name, "a stored secret could not be decrypted (is its key still in SECRETS_ENCRYPTION_KEY or SECRETS_ENCRYPTION_KEY_PREVIOUS?)")
            }
        }
    }
    Ok(out)
}
