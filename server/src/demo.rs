//! The local demo account, so a fresh `make run` has someone to sign in as. Never run
//! in production (the configuration refuses it).

use sqlx::PgPool;

use crate::accounts::passwords;

pub const DEMO_EMAIL: &str = "demo@agentfactory.dev";
pub const DEMO_PASSWORD: &str = "demo-password";
const DEMO_TEAM: &str = "Demo Team";

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a demo agent's spec is invalid: {0}")]
    Spec(String),
    #[error("hashing the demo password: {0}")]
    Hash(String),
}

type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Creates the demo user, their team and membership, unless they exist already, and
/// stores the hash of `api_key` (from `make run`, which prints it) as the team's key.
/// Instances starting together seed one after the other (an advisory lock held by the
/// one transaction); the later ones find everything there.
pub async fn seed(
    owner_pool: &PgPool,
    api_key: Option<&str>,
    marketplace: bool,
) -> Result<(), SeedError> {
    let mut tx = owner_pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('agent-factory:demo-seed'))")
        .execute(&mut *tx)
        .await?;
    seed_account(&mut tx).await?;
    if marketplace {
        seed_marketplace(&mut tx).await?;
    }
    if let Some(key) = api_key {
        sqlx::query(
            "INSERT INTO api_keys (team_id, name, prefix, key_hash, scopes, created_by)
             SELECT m.team_id, 'Local demo key', left($1, 12), $2, '{read,run,admin}', u.id
               FROM users u JOIN team_members m ON m.user_id = u.id AND m.role = 'owner'
              WHERE u.email = $3
             ON CONFLICT (key_hash) DO NOTHING",
        )
        .bind(key)
        .bind(crate::crypto::sha256(key))
        .bind(DEMO_EMAIL)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn seed_account(tx: &mut Tx) -> Result<(), SeedError> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(DEMO_EMAIL)
        .fetch_one(&mut **tx)
        .await?;
    if exists {
        return Ok(());
    }
    let password_hash = tokio::task::spawn_blocking(|| passwords::hash_now(DEMO_PASSWORD))
        .await
        .map_err(|e| SeedError::Hash(e.to_string()))?
        .map_err(|e| SeedError::Hash(e.to_string()))?;

    let user_id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, email_verified_at)
         VALUES ($1, $2, 'Demo User', now())
         ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
    )
    .bind(DEMO_EMAIL)
    .bind(&password_hash)
    .fetch_one(&mut **tx)
    .await?;
    let team_id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO teams (name, personal, created_by) VALUES ($1, true, $2) RETURNING id",
    )
    .bind(DEMO_TEAM)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, 'owner')")
        .bind(team_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for yaml in DEMO_AGENTS {
        seed_agent(tx, team_id, user_id, yaml).await?;
    }
    tracing::info!(email = DEMO_EMAIL, "seeded the demo account");
    Ok(())
}

/// The demo team starts with a single agent and the flagship workflow.
const DEMO_AGENTS: [&str; 2] = [
    include_str!("../../app/src/spec/examples/market_research.yaml"),
    include_str!("../../app/src/spec/examples/idea_validator.yaml"),
];

async fn seed_agent(
    tx: &mut Tx,
    team_id: uuid::Uuid,
    user_id: uuid::Uuid,
    yaml: &str,
) -> Result<(), SeedError> {
    let spec = app::spec::parse_spec(yaml).map_err(|e| SeedError::Spec(e.to_string()))?;
    crate::agents::store::insert_agent(tx, team_id, Some(user_id), yaml, &spec).await?;
    Ok(())
}

/// A few published templates from a "Agent Factory Templates" team, so a fresh
/// marketplace is not empty: free ones to deploy at once and a paid one to try Checkout
/// with (the fake Stripe locally).
const MARKETPLACE: [(&str, &str, &str, &str, i64, &str); 4] = [
    (
        "support-triage",
        "Support Triage",
        "Sorts customer messages by category and urgency, with a friendly first reply.",
        "support",
        0,
        include_str!("../../app/src/spec/examples/support_triage.yaml"),
    ),
    (
        "page-summarizer",
        "Page Summarizer",
        "Fetches a web page and sums it up in a few bullet points.",
        "research",
        0,
        include_str!("../../app/src/spec/examples/summarizer.yaml"),
    ),
    (
        "market-research",
        "Market Research Agent",
        "Answers market questions with sources: size, trends and competitors.",
        "research",
        0,
        include_str!("../../app/src/spec/examples/market_research.yaml"),
    ),
    (
        "idea-validator",
        "Idea Validator",
        "Checks a startup idea for market, competition, feasibility and revenue, then gives a verdict.",
        "research",
        1_900,
        include_str!("../../app/src/spec/examples/idea_validator.yaml"),
    ),
];

async fn seed_marketplace(tx: &mut Tx) -> Result<(), SeedError> {
    let team: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM teams WHERE name = 'Agent Factory Templates' AND NOT personal",
    )
    .fetch_optional(&mut **tx)
    .await?;
    let team_id = match team {
        Some(id) => id,
        None => {
            sqlx::query_scalar(
                "INSERT INTO teams (name) VALUES ('Agent Factory Templates') RETURNING id",
            )
            .fetch_one(&mut **tx)
            .await?
        }
    };
    for (slug, title, summary, category, price_cents, yaml) in MARKETPLACE {
        let description = format!(
            "## What it does\n\n{summary}\n\nDeploy it, then open the agent and run it with your own inputs. \
             Change anything in the builder: your copy is yours."
        );
        sqlx::query(
            "WITH t AS (
                INSERT INTO templates (team_id, slug, title, summary, description_md, category, tags, price_cents, status, published_at)
                VALUES ($1, $2, $3, $4, $5, $6, ARRAY[$6], $7, 'published', now())
                ON CONFLICT (slug) DO NOTHING RETURNING id, team_id)
             INSERT INTO template_versions (template_id, version, team_id, spec_yaml)
             SELECT id, 1, team_id, $8 FROM t",
        )
        .bind(team_id)
        .bind(slug)
        .bind(title)
        .bind(summary)
        .bind(description)
        .bind(category)
        .bind(price_cents)
        .bind(yaml)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
