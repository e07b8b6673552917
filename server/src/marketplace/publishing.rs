//! Publishing an agent as a template: the listing's text and price, and a snapshot of the
//! agent's current spec as the template's next version. Specs hold secrets only by name
//! (`{ secret: NAME }`, resolved from the deploying team's own secrets at run time), so
//! the snapshot carries no secret and no provider key.

use app::auth::Role;
use app::backend::Actor;
use app::error::AppError;
use app::marketplace::{Listing, PublishForm};
use sqlx::PgPool;
use uuid::Uuid;

use crate::accounts::verification::EmailGate;
use crate::audit;
use crate::db::tenant;
use crate::errors::ServerError;
use crate::teams::rules::at_least;

const LISTING_COLUMNS: &str = "id, slug, status, current_version, title, summary, description_md, category, tags, price_cents";

/// A template as its creator manages it.
#[derive(sqlx::FromRow)]
struct ListingRow {
    id: Uuid,
    slug: String,
    status: String,
    current_version: i32,
    title: String,
    summary: String,
    description_md: String,
    category: String,
    tags: Vec<String>,
    price_cents: i64,
}

impl From<ListingRow> for Listing {
    fn from(row: ListingRow) -> Listing {
        Listing {
            template_id: row.id,
            slug: row.slug,
            status: row.status,
            version: row.current_version,
            form: PublishForm {
                title: row.title,
                summary: row.summary,
                description_md: row.description_md,
                category: row.category,
                tags: row.tags,
                price_cents: row.price_cents,
            },
        }
    }
}

pub async fn get(
    db: &PgPool,
    actor: &Actor,
    agent_id: Uuid,
) -> Result<Option<Listing>, ServerError> {
    let mut tx = tenant::begin_as(db, actor).await?;
    let row = sqlx::query_as::<_, ListingRow>(&format!(
        "SELECT {LISTING_COLUMNS} FROM templates WHERE agent_id = $1"
    ))
    .bind(agent_id)
    .fetch_optional(&mut *tx)
    .await?;
    tenant::done_reading(tx);
    Ok(row.map(Listing::from))
}

pub async fn publish(
    db: &PgPool,
    email_gate: EmailGate,
    actor: &Actor,
    agent_id: Uuid,
    form: &PublishForm,
) -> Result<Listing, ServerError> {
    at_least(actor.role, Role::Admin)?;
    form.check()?;
    let mut tx = tenant::begin_as(db, actor).await?;
    email_gate
        .check(&mut tx, actor.user_id, || {
            "Confirm your email address before publishing to the marketplace: follow the link we sent (the banner at the top sends it again).".into()
        })
        .await?;
    let agent: Option<(i32, String)> = sqlx::query_as(
        "SELECT a.current_version, v.spec_yaml FROM agents a
           JOIN agent_versions v ON v.agent_id = a.id AND v.version = a.current_version
          WHERE a.id = $1 AND a.archived_at IS NULL",
    )
    .bind(agent_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (agent_version, spec_yaml) = agent.ok_or(AppError::NotFound)?;
    if let Some(kind) = embedded_secret(&spec_yaml) {
        return Err(AppError::invalid(
            "spec",
            format!(
                "The agent's spec seems to contain {kind}. Move it to Settings → Providers (secrets) and reference it by name before publishing."
            ),
        ).into());
    }
    // The row lock orders concurrent publishes of one agent.
    let existing: Option<(Uuid, i32, Option<i32>)> = sqlx::query_as(
        "SELECT t.id, t.current_version, v.agent_version FROM templates t
           JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version
          WHERE t.agent_id = $1 FOR UPDATE OF t",
    )
    .bind(agent_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (template_id, version, new_version) = match existing {
        None => (insert(&mut tx, actor, agent_id, form).await?, 1, true),
        Some((id, current, snapshot)) if snapshot == Some(agent_version) => (id, current, false),
        Some((id, current, _)) => (id, current + 1, true),
    };
    if new_version {
        sqlx::query(
            "INSERT INTO template_versions (template_id, version, team_id, spec_yaml, agent_version)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(template_id)
        .bind(version)
        .bind(actor.team_id)
        .bind(&spec_yaml)
        .bind(agent_version)
        .execute(&mut *tx)
        .await
        ?;
    }
    let row = sqlx::query_as::<_, ListingRow>(&format!(
        "UPDATE templates
            SET title = $2, summary = $3, description_md = $4, category = $5, tags = $6, price_cents = $7,
                current_version = $8, status = 'published', published_at = coalesce(published_at, now()), updated_at = now()
          WHERE id = $1 RETURNING {LISTING_COLUMNS}"
    ))
    .bind(template_id)
    .bind(form.title.trim())
    .bind(form.summary.trim())
    .bind(&form.description_md)
    .bind(&form.category)
    .bind(&form.tags)
    .bind(form.price_cents)
    .bind(version)
    .fetch_one(&mut *tx)
    .await
    ?;
    audit::record_by(
        &mut tx,
        actor,
        "template.published",
        ("template", template_id.to_string()),
        serde_json::json!({ "agent_id": agent_id, "version": version, "price_cents": form.price_cents }),
    )
    .await
    ?;
    tx.commit().await?;
    Ok(row.into())
}

/// A new listing under a slug made from its title (with a short suffix when taken).
async fn insert(
    tx: &mut tenant::Tx,
    actor: &Actor,
    agent_id: Uuid,
    form: &PublishForm,
) -> Result<Uuid, ServerError> {
    let base = slugify(&form.title);
    for attempt in 0..5 {
        let slug = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..6])
        };
        let id: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO templates (team_id, creator_user_id, agent_id, slug, title, category)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(actor.team_id)
        .bind(actor.user_id)
        .bind(agent_id)
        .bind(&slug)
        .bind(form.title.trim())
        .bind(&form.category)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(id) = id {
            return Ok(id);
        }
    }
    Err(ServerError::other(
        "choosing a template's address",
        "no free slug after five attempts",
    ))
}

pub async fn unpublish(db: &PgPool, actor: &Actor, agent_id: Uuid) -> Result<(), ServerError> {
    at_least(actor.role, Role::Admin)?;
    let mut tx = tenant::begin_as(db, actor).await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE templates SET status = 'unpublished', updated_at = now() WHERE agent_id = $1 RETURNING id",
    )
    .bind(agent_id)
    .fetch_optional(&mut *tx)
    .await
    ?;
    let id = id.ok_or(AppError::NotFound)?;
    audit::record_by(
        &mut tx,
        actor,
        "template.unpublished",
        ("template", id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    Ok(tx.commit().await?)
}

/// Key formats that must never ship inside a template, by their well-known prefixes.
const SECRET_PREFIXES: [(&str, &str); 7] = [
    ("sk-", "an OpenAI-style API key"),
    ("sk_live_", "a Stripe secret key"),
    ("sk_test_", "a Stripe secret key"),
    ("agf_", "an Agent Factory API key"),
    ("whsec_", "a webhook signing secret"),
    ("AKIA", "an AWS access key"),
    ("xoxb-", "a Slack token"),
];

/// What kind of credential `text` seems to hold literally, if any: a known prefix
/// followed by at least 16 key characters. Specs reference secrets by name, so a
/// literal one was pasted by mistake.
fn embedded_secret(text: &str) -> Option<&'static str> {
    let key_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.split(|c: char| !key_char(c)).find_map(|token| {
        SECRET_PREFIXES.iter().find_map(|(prefix, kind)| {
            let rest = token.strip_prefix(prefix)?;
            (rest.len() >= 16).then_some(*kind)
        })
    })
}

/// `"Market Research — Pro!"` → `"market-research-pro"`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "template".to_string()
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{embedded_secret, slugify};

    #[test]
    fn literal_keys_are_found_and_references_are_not() {
        assert_eq!(
            embedded_secret("instructions: use sk-abcdefghijklmnopqrstuvwx to call"),
            Some("an OpenAI-style API key")
        );
        assert_eq!(
            embedded_secret("headers: {X: 'agf_0123456789abcdef0123'}"),
            Some("an Agent Factory API key")
        );
        assert_eq!(
            embedded_secret("headers:\n  Authorization: { secret: CRM_TOKEN }"),
            None
        );
        assert_eq!(embedded_secret("a task-list and sk-short"), None);
    }

    #[test]
    fn titles_become_slugs() {
        assert_eq!(slugify("Market Research — Pro!"), "market-research-pro");
        assert_eq!(slugify("  Ünïcode ✓ "), "n-code");
        assert_eq!(slugify("!!!"), "template");
        assert!(slugify(&"a".repeat(200)).len() <= 60);
    }
}
