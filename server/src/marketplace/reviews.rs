//! Reviews: one per user and template (writing again rewrites it), only from a team
//! that deployed the template; the creator may reply. Ratings are counted by a trigger.

use app::auth::Role;
use app::backend::Actor;
use app::error::AppError;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;

const MAX_TEXT: usize = 5_000;

pub async fn review(
    db: &PgPool,
    actor: &Actor,
    template_id: Uuid,
    rating: i16,
    body: &str,
) -> Result<(), ServerError> {
    if !(1..=5).contains(&rating) {
        return Err(AppError::invalid("rating", "Choose 1 to 5 stars.").into());
    }
    if body.chars().count() > MAX_TEXT {
        return Err(AppError::invalid("body", "A review is limited to 5,000 characters.").into());
    }
    let mut tx = tenant::begin_as(db, actor).await?;
    let (published, deployed, own): (bool, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM templates WHERE id = $1 AND status = 'published'),
                EXISTS (SELECT 1 FROM template_deploys WHERE template_id = $1),
                EXISTS (SELECT 1 FROM templates WHERE id = $1 AND team_id = $2)",
    )
    .bind(template_id)
    .bind(actor.team_id)
    .fetch_one(&mut *tx)
    .await?;
    if !published {
        return Err(AppError::NotFound.into());
    }
    if own {
        return Err(AppError::Conflict("Creators cannot review their own template.".into()).into());
    }
    if !deployed {
        return Err(AppError::Conflict(
            "Deploy this template first: reviews come from teams that use it.".into(),
        )
        .into());
    }
    sqlx::query(
        "INSERT INTO reviews (template_id, team_id, user_id, rating, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (template_id, user_id) DO UPDATE
            SET rating = EXCLUDED.rating, body = EXCLUDED.body, team_id = EXCLUDED.team_id, updated_at = now()",
    )
    .bind(template_id)
    .bind(actor.team_id)
    .bind(actor.user_id)
    .bind(rating)
    .bind(body.trim())
    .execute(&mut *tx)
    .await
    ?;
    Ok(tx.commit().await?)
}

pub async fn reply(
    db: &PgPool,
    actor: &Actor,
    review_id: Uuid,
    text: &str,
) -> Result<(), ServerError> {
    at_least(actor.role, Role::Admin)?;
    if text.chars().count() > MAX_TEXT {
        return Err(AppError::invalid("reply", "A reply is limited to 5,000 characters.").into());
    }
    let mut tx = tenant::begin_as(db, actor).await?;
    let replied: bool = sqlx::query_scalar("SELECT reply_to_review($1, $2)")
        .bind(review_id)
        .bind(text.trim())
        .fetch_one(&mut *tx)
        .await?;
    if !replied {
        return Err(AppError::NotFound.into());
    }
    Ok(tx.commit().await?)
}
