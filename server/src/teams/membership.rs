//! The SQL of team memberships (the transaction's tenant is the team).

use std::collections::HashMap;

use app::auth::Role;
use app::teams::Member;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::tenant::Tx;

pub struct MemberRow {
    pub member: Member,
    pub joined_at: DateTime<Utc>,
}

pub async fn list(tx: &mut Tx) -> Result<Vec<MemberRow>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, String, DateTime<Utc>, bool)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, m.role::text, m.joined_at,
                EXISTS (SELECT 1 FROM user_two_factor f WHERE f.user_id = u.id AND f.enabled_at IS NOT NULL)
         FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE m.team_id = app_team_id() ORDER BY m.role, lower(u.display_name)",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(user_id, display_name, email, role, joined_at, two_factor): (
                Uuid,
                String,
                String,
                String,
                DateTime<Utc>,
                bool,
            )| {
                let role = Role::parse(&role)?;
                Some(MemberRow {
                    member: Member {
                        user_id,
                        display_name,
                        email,
                        role,
                        joined: String::new(),
                        two_factor,
                    },
                    joined_at,
                })
            },
        )
        .collect())
}

/// Every member's role, with the rows locked until the transaction ends, so that two
/// concurrent changes cannot both remove the last owner.
pub async fn lock_roles(tx: &mut Tx, team_id: Uuid) -> Result<HashMap<Uuid, Role>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT user_id, role::text FROM team_members WHERE team_id = $1 FOR UPDATE",
    )
    .bind(team_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, role)| Some((id, Role::parse(&role)?)))
        .collect())
}

pub async fn set_role(tx: &mut Tx, user_id: Uuid, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE team_members SET role = $2::team_role WHERE team_id = app_team_id() AND user_id = $1")
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM team_members WHERE team_id = app_team_id() AND user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds the user to the transaction's team; false when they are in it already.
pub async fn add(tx: &mut Tx, user_id: Uuid, role: Role) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO team_members (team_id, user_id, role) VALUES (app_team_id(), $1, $2::team_role)
         ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(role.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
