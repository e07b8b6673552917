//! One-click deploy: the template's current spec becomes a new agent in the actor's
//! team, and the deploy is recorded (it counts, and it lets the team review).

use app::auth::Role;
use app::backend::Actor;
use app::error::AppError;
use app::spec::parse_spec;
use sqlx::PgPool;
use uuid::Uuid;

use crate::agents::store::insert_agent;
use crate::audit;
use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;

pub async fn deploy(db: &PgPool, actor: &Actor, template_id: Uuid) -> Result<Uuid, ServerError> {
    at_least(actor.role, Role::Admin)?;
    let mut tx = tenant::begin_as(db, actor).await?;
    let template: Option<(i64, Uuid, i32, String)> = sqlx::query_as(
        "SELECT t.price_cents, t.team_id, t.current_version, v.spec_yaml FROM templates t
           JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
          WHERE t.id = $1 AND (t.status = 'published' OR t.team_id = $2)",
    )
    .bind(template_id)
    .bind(actor.team_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (price_cents, creator_team, version, spec_yaml) = template.ok_or(AppError::NotFound)?;
    if price_cents > 0 && creator_team != actor.team_id {
        let owned: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM purchases WHERE template_id = $1 AND status = 'paid')",
        )
        .bind(template_id)
        .fetch_one(&mut *tx)
        .await?;
        if !owned {
            return Err(AppError::Conflict("Buy this template before deploying it.".into()).into());
        }
    }
    let spec = parse_spec(&spec_yaml).map_err(|errors| {
        ServerError::other("parsing a template's stored spec", errors.to_string())
    })?;
    let agent_id = insert_agent(
        &mut tx,
        actor.team_id,
        Some(actor.user_id),
        &spec_yaml,
        &spec,
    )
    .await?;
    sqlx::query(
        "INSERT INTO template_deploys (team_id, template_id, template_version, agent_id, deployed_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor.team_id)
    .bind(template_id)
    .bind(version)
    .bind(agent_id)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await
    ?;
    audit::record_by(
        &mut tx,
        actor,
        "template.deployed",
        ("template", template_id.to_string()),
        serde_json::json!({ "version": version, "agent_id": agent_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(agent_id)
}
