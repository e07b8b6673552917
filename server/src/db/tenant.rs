//! Transactions that carry the request's tenant. Row-level security policies read
//! `app.team_id` / `app.user_id`; they are set with `set_config(…, true)`, which lasts
//! only until the transaction ends, so a pooled connection never carries one request's
//! team into the next.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

pub type Tx = Transaction<'static, Postgres>;

#[derive(Debug, Clone, Copy, Default)]
pub struct Tenant {
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
}

impl Tenant {
    pub fn user(user_id: Uuid) -> Self {
        Self {
            team_id: None,
            user_id: Some(user_id),
        }
    }

    /// The team alone, for work no person is doing (workers running a team's runs).
    pub fn team(team_id: Uuid) -> Self {
        Self {
            team_id: Some(team_id),
            user_id: None,
        }
    }

    /// The caller of an operation: their team, as themselves.
    pub fn of(actor: &app::backend::Actor) -> Self {
        Self::member(actor.user_id, actor.team_id)
    }

    pub fn member(user_id: Uuid, team_id: Uuid) -> Self {
        Self {
            team_id: Some(team_id),
            user_id: Some(user_id),
        }
    }
}

/// Begins a transaction as `tenant` in one round trip: `BEGIN` and the settings go
/// together as one simple query. The ids are UUIDs, whose text form is hex and dashes
/// only, so writing them into the statement is safe.
///
/// The pool does not ping a connection before handing it out (that would be another
/// round trip per transaction; sqlx already pings it when it comes back), so a
/// connection the database dropped since — a restart — fails here first; one retry on
/// a fresh connection makes that invisible to the caller.
pub async fn begin(
    pool: &PgPool,
    tenant: Tenant,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let statement = format!(
        "BEGIN; SELECT set_config('app.team_id', '{}', true), set_config('app.user_id', '{}', true)",
        tenant.team_id.map(|id| id.to_string()).unwrap_or_default(),
        tenant.user_id.map(|id| id.to_string()).unwrap_or_default(),
    );
    match pool.begin_with(statement.clone()).await {
        Err(error) if connection_lost(&error) => pool.begin_with(statement).await,
        result => result,
    }
}

/// Ends a transaction that only read. Dropping it queues a `ROLLBACK` (the same as a
/// commit for a read), which sqlx sends with the check it makes as the connection goes
/// back to the pool — after the response, where a `COMMIT` would be one more round trip
/// before it.
pub fn done_reading(tx: Tx) {
    drop(tx);
}

/// Whether an error means the connection is gone (its server restarted or went away),
/// not that the statement failed.
fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        // admin_shutdown, crash_shutdown, cannot_connect_now
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("57P")),
        _ => false,
    }
}

/// Whether an error means the database cannot be reached right now (down, restarting,
/// or every connection busy past the acquire timeout): the request should be retried
/// later, so it answers 503 rather than 500.
pub fn unavailable(error: &sqlx::Error) -> bool {
    connection_lost(error)
        || matches!(
            error,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)
        )
        || matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|code| code.starts_with("08")))
}

/// Changes the tenant for the rest of the transaction.
pub async fn set(
    tx: &mut Transaction<'static, Postgres>,
    tenant: Tenant,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.team_id', $1, true), set_config('app.user_id', $2, true)")
        .bind(tenant.team_id.map(|id| id.to_string()).unwrap_or_default())
        .bind(tenant.user_id.map(|id| id.to_string()).unwrap_or_default())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A transaction as the caller of an operation.
pub async fn begin_as(pool: &PgPool, actor: &app::backend::Actor) -> Result<Tx, sqlx::Error> {
    begin(pool, Tenant::of(actor)).await
}
