//! A template's page: the listing, its description and spec, ratings and reviews, and
//! what the viewer's team may do with it.

use app::backend::Actor;
use app::error::AppError;
use app::marketplace::{ReviewView, TemplateAccess, TemplateCard, TemplateView};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::cards::{CardRow, card_columns};
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use crate::markdown::{self, Images};

pub async fn view(
    db: &PgPool,
    payments_enabled: bool,
    viewer: Option<&Actor>,
    slug_or_id: &str,
) -> Result<TemplateView, ServerError> {
    let tenant = viewer.map(Tenant::of).unwrap_or_default();
    let mut tx = tenant::begin(db, tenant).await?;
    let row: Shown = sqlx::query_as(concat!(
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
    let card = TemplateCard::from(row.card);
    let histogram_rows: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT rating, count(*) FROM reviews WHERE template_id = $1 GROUP BY rating",
    )
    .bind(card.id)
    .fetch_all(&mut *tx)
    .await?;
    let reviews: Vec<ReviewRow> = sqlx::query_as(
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
            access(
                &mut tx,
                actor,
                card.id,
                row.team_id == actor.team_id,
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
    Ok(TemplateView {
        description_html: markdown::render(&row.description_md, Images::Shown),
        spec_yaml: row.spec_yaml,
        published: row
            .published_at
            .map(crate::display::time)
            .unwrap_or_default(),
        histogram,
        reviews: reviews.iter().map(ReviewView::from).collect(),
        access: TemplateAccess {
            payments_enabled,
            ..access
        },
        card,
    })
}

/// A published template with what its page shows beyond the card.
#[derive(sqlx::FromRow)]
struct Shown {
    #[sqlx(flatten)]
    card: CardRow,
    team_id: Uuid,
    description_md: String,
    published_at: Option<DateTime<Utc>>,
    spec_yaml: String,
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: Uuid,
    user_id: Option<Uuid>,
    rating: i16,
    body: String,
    creator_reply: Option<String>,
    created_at: DateTime<Utc>,
    name: String,
}

impl From<&ReviewRow> for ReviewView {
    fn from(row: &ReviewRow) -> ReviewView {
        ReviewView {
            id: row.id,
            author: row.name.clone(),
            rating: row.rating,
            body: row.body.clone(),
            reply: row.creator_reply.clone(),
            created: crate::display::time(row.created_at),
        }
    }
}

async fn access(
    tx: &mut tenant::Tx,
    actor: &Actor,
    template_id: Uuid,
    is_creator: bool,
    price_cents: i64,
    reviews: &[ReviewRow],
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
    let mine = reviews
        .iter()
        .find(|row| row.user_id == Some(actor.user_id));
    Ok(TemplateAccess {
        is_creator,
        can_deploy: price_cents == 0 || paid || is_creator,
        deployed,
        purchase_pending: pending && !paid,
        my_review: mine.map(ReviewView::from),
        payments_enabled: false,
    })
}
