//! Invitation links: a random token shown once; only its SHA-256 is stored. A link
//! expires after a week and works once. An invitation sent by email gets its token when
//! the mail is sent ([`issue_link`]), so no usable token waits in the mail outbox.

use app::auth::Role;
use app::backend::Actor;
use app::error::AppError;
use app::teams::PendingInvitation;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::crypto;
use crate::db::tenant::Tx;
use crate::errors::ServerError;

const VALID_DAYS: i32 = 7;

pub struct PendingRow {
    pub invitation: PendingInvitation,
    pub expires_at: DateTime<Utc>,
}

/// Returns the invitation's id and its secret token.
pub async fn create(tx: &mut Tx, actor: &Actor, role: Role) -> Result<(Uuid, String), sqlx::Error> {
    let token = crypto::random_token();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO invitations (team_id, role, token_hash, created_by, expires_at)
         VALUES ($1, $2::team_role, $3, $4, now() + make_interval(days => $5)) RETURNING id",
    )
    .bind(actor.team_id)
    .bind(role.as_str())
    .bind(crypto::sha256(&token))
    .bind(actor.user_id)
    .bind(VALID_DAYS)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, token))
}

/// An invitation for `email`, unusable until [`issue_link`] gives it a token; its id.
pub async fn create_for_email(
    tx: &mut Tx,
    actor: &Actor,
    role: Role,
    email: &str,
) -> Result<Uuid, sqlx::Error> {
    let unknown = crypto::sha256(&crypto::random_token());
    sqlx::query_scalar(
        "INSERT INTO invitations (team_id, role, token_hash, created_by, expires_at, email)
         VALUES ($1, $2::team_role, $3, $4, now() + make_interval(days => $5), $6) RETURNING id",
    )
    .bind(actor.team_id)
    .bind(role.as_str())
    .bind(unknown)
    .bind(actor.user_id)
    .bind(VALID_DAYS)
    .bind(email)
    .fetch_one(&mut **tx)
    .await
}

/// What an emailed invitation's mail says, with the token of its link.
pub struct Issued {
    pub token: String,
    pub team_name: String,
    pub role: String,
    pub inviter: String,
}

/// Gives an open invitation a fresh token (the previous one stops working) for the mail
/// that carries it; `None` when it was accepted, revoked or expired meanwhile.
pub async fn issue_link(tx: &mut Tx, id: Uuid) -> Result<Option<Issued>, sqlx::Error> {
    let token = crypto::random_token();
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "UPDATE invitations i SET token_hash = $2 FROM teams t
          WHERE i.id = $1 AND t.id = i.team_id
            AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
          RETURNING t.name, i.role::text,
                    (SELECT u.display_name FROM users u WHERE u.id = i.created_by)",
    )
    .bind(id)
    .bind(crypto::sha256(&token))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(team_name, role, inviter)| Issued {
        token,
        team_name,
        role,
        inviter: inviter.unwrap_or_else(|| "A team admin".into()),
    }))
}

pub async fn pending(tx: &mut Tx) -> Result<Vec<PendingRow>, sqlx::Error> {
    type Row = (Uuid, String, DateTime<Utc>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.id, i.role::text, i.expires_at, u.display_name, i.email
         FROM invitations i LEFT JOIN users u ON u.id = i.created_by
         WHERE i.team_id = app_team_id() AND i.accepted_at IS NULL AND i.revoked_at IS NULL
           AND i.expires_at > now()
         ORDER BY i.created_at DESC LIMIT 100",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, role, expires_at, invited_by, email): Row| {
            Some(PendingRow {
                invitation: PendingInvitation {
                    id,
                    role: Role::parse(&role)?,
                    expires: String::new(),
                    invited_by: invited_by.unwrap_or_else(|| "a former member".into()),
                    email,
                },
                expires_at,
            })
        })
        .collect())
}

/// True when an open invitation of the team was revoked.
pub async fn revoke(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    let revoked = sqlx::query(
        "UPDATE invitations SET revoked_at = now()
         WHERE id = $1 AND team_id = app_team_id() AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(revoked.rows_affected() == 1)
}

pub struct Usable {
    pub id: Uuid,
    pub team_id: Uuid,
    pub team_name: String,
    pub role: Role,
}

/// The invitation behind a token, if it can still be accepted. Looked up through a
/// narrow definer function, since the invitee is not yet in the team.
pub async fn find_usable(tx: &mut Tx, token: &str) -> Result<Usable, ServerError> {
    type Row = (
        Uuid,
        Uuid,
        String,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, team_id, team_name, role::text, expires_at, accepted_at, revoked_at
         FROM invitation_by_token_hash($1)",
    )
    .bind(crypto::sha256(token))
    .fetch_optional(&mut **tx)
    .await?;
    let Some((id, team_id, team_name, role, expires_at, accepted_at, revoked_at)) = row else {
        return Err(AppError::NotFound.into());
    };
    if accepted_at.is_some() || revoked_at.is_some() || expires_at <= Utc::now() {
        return Err(AppError::Conflict(
            "This invitation link has expired or was already used. Ask for a new one.".into(),
        )
        .into());
    }
    let role = Role::parse(&role).ok_or(AppError::Internal)?;
    Ok(Usable {
        id,
        team_id,
        team_name,
        role,
    })
}

/// Marks the invitation used; false when someone else claimed it first.
pub async fn claim(tx: &mut Tx, id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()",
    )
    .bind(id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(claimed.rows_affected() == 1)
}
