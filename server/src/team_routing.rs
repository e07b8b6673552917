//! A team's routing order (Settings → Providers, `PUT /v1/providers/order`): the
//! providers its runs and gateway calls try in turn when a spec names none
//! (`model.prefer`). Without one, the platform's order (`ROUTER_CHAIN`, or built from
//! what the operator configured).

use app::auth::Role;
use app::backend::Actor;
use app::catalog;
use app::error::AppError;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use crate::teams::rules::at_least;

/// The team's order, if it set one.
pub async fn load(db: &PgPool, team_id: Uuid) -> Result<Option<Vec<String>>, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let order = sqlx::query_scalar("SELECT providers FROM team_routing")
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(order)
}

/// Sets the team's order; an empty one goes back to the platform's. Admins only.
pub async fn save(db: &PgPool, actor: &Actor, order: &[String]) -> Result<(), ServerError> {
    at_least(actor.role, Role::Admin)?;
    check(order)?;
    let mut tx = tenant::begin_as(db, actor).await?;
    if order.is_empty() {
        sqlx::query("DELETE FROM team_routing")
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO team_routing (team_id, providers, updated_by) VALUES ($1, $2, $3)
             ON CONFLICT (team_id) DO UPDATE SET providers = EXCLUDED.providers,
                 updated_by = EXCLUDED.updated_by, updated_at = now()",
        )
        .bind(actor.team_id)
        .bind(order)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    }
    crate::audit::record_by(
        &mut tx,
        actor,
        "routing_order.saved",
        ("team", actor.team_id.to_string()),
        serde_json::json!({ "providers": order }),
    )
    .await?;
    Ok(tx.commit().await?)
}

/// Known providers, each once.
fn check(order: &[String]) -> Result<(), AppError> {
    for (i, id) in order.iter().enumerate() {
        if !catalog::provider_ids().any(|known| known == id) {
            let known: Vec<&str> = catalog::provider_ids().collect();
            return Err(AppError::invalid(
                "providers",
                format!(
                    "`{id}` is not a provider; choose from {}.",
                    known.join(", ")
                ),
            ));
        }
        if order[..i].contains(id) {
            return Err(AppError::invalid(
                "providers",
                format!("`{id}` is listed twice."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn an_order_names_known_providers_once() {
        let order = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>();
        assert!(check(&order(&["anthropic", "openai", "local"])).is_ok());
        assert!(check(&[]).is_ok(), "empty: the platform's order");
        assert!(check(&order(&["openai", "skynet"])).is_err());
        assert!(check(&order(&["openai", "openai"])).is_err());
    }
}
