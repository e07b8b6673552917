//! Writing agents: each new agent with its first version, and every later version.
//! Versions are never changed; the agent's name and description follow the newest.

use app::error::AppError;
use app::spec::{Spec, SpecError, parse_spec};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;

/// Saves an agent with its first version (used by the seed, the CLI and tests; the
/// builder and the API call it through the application interface).
pub async fn create_agent(db: &PgPool, tenant: Tenant, yaml: &str) -> Result<Uuid, ServerError> {
    let spec = parse_spec(yaml).map_err(|errors| AppError::InvalidSpec(errors.0))?;
    let team_id = tenant.team_id.ok_or(AppError::NotFound)?;
    let mut tx = tenant::begin(db, tenant).await?;
    check_knowledge(&mut tx, yaml).await?;
    let agent_id = insert_agent(&mut tx, team_id, tenant.user_id, yaml, &spec).await?;
    tx.commit().await?;
    Ok(agent_id)
}

/// Saves a spec as the agent's next version (versions are never changed; the agent's
/// name and description follow the newest one). Returns the new version's number.
pub async fn save_version(
    db: &PgPool,
    tenant: Tenant,
    agent_id: Uuid,
    yaml: &str,
) -> Result<i32, ServerError> {
    let spec = parse_spec(yaml).map_err(|errors| AppError::InvalidSpec(errors.0))?;
    let team_id = tenant.team_id.ok_or(AppError::NotFound)?;
    let mut tx = tenant::begin(db, tenant).await?;
    check_knowledge(&mut tx, yaml).await?;
    // The row lock makes concurrent saves number their versions one after the other.
    let version: i32 = sqlx::query_scalar(
        "UPDATE agents SET current_version = current_version + 1, name = $2, description = $3, kind = $4, updated_at = now()
          WHERE id = $1 AND archived_at IS NULL RETURNING current_version",
    )
    .bind(agent_id)
    .bind(&spec.name)
    .bind(&spec.description)
    .bind(spec.kind())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query("INSERT INTO agent_versions (agent_id, version, team_id, spec_yaml, spec, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(agent_id)
        .bind(version)
        .bind(team_id)
        .bind(yaml)
        .bind(serde_json::to_value(&spec).unwrap_or_default())
        .bind(tenant.user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(version)
}

/// The knowledge bases a spec names must be the team's: each unknown one is an error
/// where it is written, like any other mistake in the spec.
async fn check_knowledge(tx: &mut tenant::Tx, yaml: &str) -> Result<(), ServerError> {
    let references = app::spec::knowledge_references(yaml);
    if references.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM knowledge_bases ORDER BY name")
        .fetch_all(&mut **tx)
        .await?;
    let known = if names.is_empty() {
        "the team has none yet: create one under Knowledge".to_string()
    } else {
        format!("the team's are {}", names.join(", "))
    };
    let errors: Vec<SpecError> = references
        .into_iter()
        .filter(|reference| !names.contains(&reference.name))
        .map(|reference| SpecError {
            message: format!("no knowledge base is named `{}`; {known}", reference.name),
            path: reference.path,
            line: reference.line,
            column: reference.column,
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidSpec(errors).into())
    }
}

/// Inserts an agent and its first version (the spec already checked).
pub(crate) async fn insert_agent(
    tx: &mut tenant::Tx,
    team_id: Uuid,
    user_id: Option<Uuid>,
    yaml: &str,
    spec: &Spec,
) -> Result<Uuid, sqlx::Error> {
    let agent_id: Uuid = sqlx::query_scalar(
        "INSERT INTO agents (team_id, name, description, kind, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(team_id)
    .bind(&spec.name)
    .bind(&spec.description)
    .bind(spec.kind())
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO agent_versions (agent_id, version, team_id, spec_yaml, spec, created_by) VALUES ($1, 1, $2, $3, $4, $5)")
        .bind(agent_id)
        .bind(team_id)
        .bind(yaml)
        .bind(serde_json::to_value(spec).unwrap_or_default())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(agent_id)
}
