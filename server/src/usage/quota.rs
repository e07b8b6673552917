//! Monthly quotas per plan (runs and tokens, calendar months in UTC). A run start counts
//! itself with one conditional upsert: the row lock makes concurrent starts take turns,
//! and the condition is checked again after the wait, so no number of concurrent
//! requests can pass the limit.

use uuid::Uuid;

use crate::db::tenant;

/// Why a run may not start.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    /// The month's runs or tokens are used up; the quota renews in `retry_after_secs`.
    #[error("{message}")]
    Exceeded {
        message: String,
        retry_after_secs: u64,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Counts a run against the team's quota, or refuses it when runs or tokens this month
/// are used up. Part of the caller's transaction: a run that is not created is not
/// counted.
pub async fn count_run(tx: &mut tenant::Tx, team_id: Uuid) -> Result<(), QuotaError> {
    let counted = sqlx::query(
        "WITH plan AS (
            SELECT p.monthly_runs, p.monthly_tokens FROM teams t JOIN plans p ON p.tier = t.plan WHERE t.id = $1
         )
         INSERT INTO usage_periods AS u (team_id, period_start, runs)
         VALUES ($1, date_trunc('month', now() AT TIME ZONE 'utc')::date, 1)
         ON CONFLICT (team_id, period_start) DO UPDATE SET runs = u.runs + 1
          WHERE u.runs < (SELECT monthly_runs FROM plan) AND u.tokens < (SELECT monthly_tokens FROM plan)
         RETURNING runs",
    )
    .bind(team_id)
    .fetch_optional(&mut **tx)
    .await?;
    if counted.is_some() {
        return Ok(());
    }
    let used_up: UsedUp = sqlx::query_as(
        "SELECT p.name AS plan, p.monthly_runs, u.tokens >= p.monthly_tokens AS out_of_tokens,
                extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'utc') + interval '1 month'
                                   - (now() AT TIME ZONE 'utc'))::bigint AS renews_in
           FROM teams t JOIN plans p ON p.tier = t.plan
           JOIN usage_periods u ON u.team_id = t.id AND u.period_start = date_trunc('month', now() AT TIME ZONE 'utc')::date
          WHERE t.id = $1",
    )
    .bind(team_id)
    .fetch_one(&mut **tx)
    .await?;
    let (plan, what) = (
        used_up.plan,
        if used_up.out_of_tokens {
            "tokens".to_string()
        } else {
            format!("{} runs", used_up.monthly_runs)
        },
    );
    Err(QuotaError::Exceeded {
        message: format!(
            "This team has used its {plan} plan's {what} for this month. Upgrade the plan, or wait for the quota to renew on the 1st (UTC)."
        ),
        retry_after_secs: used_up.renews_in.max(1) as u64,
    })
}

/// Adds tokens a run or a gateway call used to this month's count.
pub async fn count_tokens(
    tx: &mut tenant::Tx,
    team_id: Uuid,
    tokens: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO usage_periods AS u (team_id, period_start, tokens)
         VALUES ($1, date_trunc('month', now() AT TIME ZONE 'utc')::date, $2)
         ON CONFLICT (team_id, period_start) DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens",
    )
    .bind(team_id)
    .bind(tokens)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What is used up, and until when.
#[derive(sqlx::FromRow)]
struct UsedUp {
    plan: String,
    monthly_runs: i32,
    out_of_tokens: bool,
    renews_in: i64,
}
