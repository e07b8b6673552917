//! The account's own data: name, password, export and deletion.

use app::backend::Actor;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::tenant::{self, Tenant, Tx};

pub async fn set_display_name(tx: &mut Tx, user_id: Uuid, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_password_hash(tx: &mut Tx, user_id: Uuid, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Everything about the user: profile, memberships, and what they created in each of
/// their teams (read team by team, each under that team's row-level security).
pub async fn export(db: &PgPool, actor: &Actor) -> Result<Value, sqlx::Error> {
    let mut tx = tenant::begin(db, Tenant::user(actor.user_id)).await?;
    let profile: Value = sqlx::query_scalar(
        "SELECT json_build_object('id', id, 'email', email, 'display_name', display_name,
                'created_at', created_at, 'password_changed_at', password_changed_at)
         FROM users WHERE id = $1",
    )
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await?;
    let memberships: Vec<(Uuid, Value)> = sqlx::query_as(
        "SELECT t.id, json_build_object('team_id', t.id, 'team', t.name, 'role', m.role, 'joined_at', m.joined_at)
         FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY m.joined_at",
    )
    .bind(actor.user_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let mut created = Vec::new();
    for (team_id, _) in &memberships {
        let mut tx = tenant::begin(db, Tenant::member(actor.user_id, *team_id)).await?;
        let content: Value = sqlx::query_scalar(
            "SELECT json_build_object(
                'team_id', $2::uuid,
                'agents', coalesce((SELECT json_agg(a) FROM agents a WHERE a.created_by = $1), '[]'),
                'runs', coalesce((SELECT json_agg(r) FROM runs r WHERE r.created_by = $1), '[]'),
                'templates', coalesce((SELECT json_agg(t) FROM (
                    SELECT id, slug, title, summary, description_md, category, tags, price_cents, status, created_at
                    FROM templates WHERE creator_user_id = $1 AND team_id = $2) t), '[]'),
                'reviews', coalesce((SELECT json_agg(v) FROM reviews v WHERE v.user_id = $1 AND v.team_id = $2), '[]'))",
        )
        .bind(actor.user_id)
        .bind(team_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        created.push(content);
    }
    Ok(json!({
        "format": "agent-factory-export/1",
        "exported_at": chrono::Utc::now().to_rfc3339(),
        "profile": profile,
        "memberships": memberships.into_iter().map(|(_, m)| m).collect::<Vec<_>>(),
        "created": created,
    }))
}

/// Who is in a team and how many of them own it (read under that team's context).
pub async fn headcount(tx: &mut Tx) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE role = 'owner') FROM team_members WHERE team_id = app_team_id()",
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn leave(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM team_members WHERE team_id = app_team_id() AND user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes name and email now; the purge job deletes the rest after 30 days.
pub async fn anonymise(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', display_name = 'Deleted user',
                password_hash = '!', deleted_at = now(), purge_after = now() + interval '30 days', updated_at = now()
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
