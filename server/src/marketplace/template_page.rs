//! A template's page: the listing, its description and spec, ratings and reviews, and
//! what the viewer's team may do with it.

use app::backend::Actor;
use app::error::AppError;
use app::marketplace::{ReviewView, TemplateAccess, TemplateView};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::cards::{card, card_columns};
use super::markdown;
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;

pub async fn view(
    db: &PgPool,
    payments_enabled: bool,
    viewer: Option<&Actor>,
    slug_or_id: &str,
) -> Result<TemplateView, ServerError> {
    let tenant = viewer.map(Tenant::of).unwrap_or_default();
    let mut tx = tenant::begin(db, tenant).await?;
    let row = sqlx::query(concat!(
        "SELECT ",
        card_columns!(),
        ", t.team_id, t.description_md, t.published_at, v.spec_yaml FROM templates t
           JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
          WHERE t.status = 'published' AND (t.slug = $1 OR t.id = $2)"
    ))
    .bind(slug_or_id)
    .bind(slug_or_id.parse::<Uuid>().ok())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let card = card(&row)?;
    let histogram_rows: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT rating, count(*) FROM reviews WHERE template_id = $1 GROUP BY rating",
    )
    .bind(card.id)
    .fetch_all(&mut *tx)
    .await?;
    let reviews = sqlx::query(
        "SELECT r.id, r.user_id, r.rating, r.body, r.creator_reply, r.created_at,
                coalesce(nullif(u.display_name, ''), 'A user') AS name
           FROM reviews r LEFT JOIN users u ON u.id = r.user_id AND u.deleted_at IS NULL
          WHERE r.template_id = $1 ORDER BY r.created_at DESC LIMIT 100",
    )
    .bind(card.id)
    .fetch_all(&mut *tx)
    .await?;
    let access = match viewer {
        Some(actor) => {
            let creator_team: Uuid = row.try_get("team_id")?;
            access(
                &mut tx,
                actor,
                card.id,
                creator_team == actor.team_id,
                card.price_cents,
                &reviews,
            )
            .await?
        }
        None => TemplateAccess::default(),
    };
    tenant::done_reading(tx);
    let mut histogram = [0_i64; 5];
    for (rating, count) in histogram_rows {
        if let Some(slot) = usize::try_from(rating - 1)
            .ok()
            .and_then(|i| histogram.get_mut(i))
        {
            *slot = count;
        }
    }
    let published: Option<chrono::DateTime<chrono::Utc>> = row.try_get("published_at")?;
    Ok(TemplateView {
        description_html: markdown::render(&row.try_get::<String, _>("description_md")?),
        spec_yaml: row.try_get("spec_yaml")?,
        published: published.map(crate::display::time).unwrap_or_default(),
        histogram,
        reviews: reviews.iter().map(review).collect::<Result<_, _>>()?,
        access: TemplateAccess {
            payments_enabled,
            ..access
        },
        card,
    })
}

fn review(row: &PgRow) -> Result<ReviewView, sqlx::Error> {
    Ok(ReviewView {
        id: row.try_get("id")?,
        author: row.try_get("name")?,
        rating: row.try_get("rating")?,
        body: row.try_get("body")?,
        reply: row.try_get("creator_reply")?,
        created: crate::display::time(row.try_get("created_at")?),
    })
}

async fn access(
    tx: &mut tenant::Tx,
    actor: &Actor,
    template_id: Uuid,
    is_creator: bool,
    price_cents: i64,
    reviews: &[PgRow],
) -> Result<TemplateAccess, sqlx::Error> {
    // Row-level security limits both to the viewer's team.
    let (paid, pending, deployed): (bool, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM purchases WHERE template_id = $1 AND status = 'paid'),
                EXISTS (SELECT 1 FROM purchases WHERE template_id = $1 AND status = 'pending'
                         AND stripe_checkout_session_id IS NOT NULL AND created_at > now() - interval '1 day'),
                EXISTS (SELECT 1 FROM template_deploys WHERE template_id = $1)",
    )
    .bind(template_id)
    .fetch_one(&mut **tx)
    .await?;
    let mine = reviews.iter().find(|row| {
        row.try_get::<Option<Uuid>, _>("user_id").ok().flatten() == Some(actor.user_id)
    });
    Ok(TemplateAccess {
        is_creator,
        can_deploy: price_cents == 0 || paid || is_creator,
        deployed,
        purchase_pending: pending && !paid,
        my_review: mine.map(review).transpose()?,
        payments_enabled: false,
    })
}
