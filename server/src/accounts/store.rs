//! The SQL of accounts: users, teams, memberships and their audit rows.

use app::auth::{Role, TeamRef};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// A person with their password hash, which only these two look-ups can read (the
/// application role has no privilege on the column itself).
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

type Tx = Transaction<'static, Postgres>;

pub async fn user_by_email(tx: &mut Tx, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let row = sqlx::query_as(
        "SELECT id, email, display_name, password_hash FROM user_credentials_by_email($1)",
    )
    .bind(email);
    Ok(row.fetch_optional(&mut **tx).await?.map(to_user))
}

pub async fn user_by_id(tx: &mut Tx, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    let row = sqlx::query_as(
        "SELECT id, email, display_name, password_hash FROM user_credentials_by_id($1)",
    )
    .bind(id);
    Ok(row.fetch_optional(&mut **tx).await?.map(to_user))
}

fn to_user((id, email, display_name, password_hash): (Uuid, String, String, String)) -> UserRow {
    UserRow {
        id,
        email,
        display_name,
        password_hash,
    }
}

/// Inserts the user; `None` when the email is taken.
pub async fn insert_user(
    tx: &mut Tx,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .fetch_optional(&mut **tx)
    .await
}

/// Creates a team with `owner` as its owner. The transaction's tenant must already be
/// this team (policies check it), so the caller picks the id.
pub async fn insert_team(
    tx: &mut Tx,
    team_id: Uuid,
    name: &str,
    personal: bool,
    owner: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO teams (id, name, personal, created_by) VALUES ($1, $2, $3, $4)")
        .bind(team_id)
        .bind(name)
        .bind(personal)
        .bind(owner)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, 'owner')")
        .bind(team_id)
        .bind(owner)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The teams a user belongs to, oldest membership first.
pub async fn teams_of(tx: &mut Tx, user_id: Uuid) -> Result<Vec<TeamRef>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT t.id, t.name, m.role::text FROM team_members m JOIN teams t ON t.id = m.team_id
         WHERE m.user_id = $1 ORDER BY m.joined_at, t.name",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, role)| Role::parse(&role).map(|role| TeamRef { id, name, role }))
        .collect())
}
