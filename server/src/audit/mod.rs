//! The audit log: what changed in a team, by whom, from where. Rows are only ever
//! added (the application role cannot change or delete them); `log` reads them back.

pub mod log;

use uuid::Uuid;

use crate::db::tenant::Tx;

/// One row of the audit log.
pub struct Entry<'a> {
    pub team_id: Option<Uuid>,
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub target: Option<(&'a str, String)>,
    pub detail: serde_json::Value,
    pub ip: Option<std::net::IpAddr>,
}

/// Appends a row in the caller's transaction: it is recorded exactly when what it
/// describes is committed.
pub async fn record(tx: &mut Tx, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let (target_type, target_id) = entry
        .target
        .map_or((None, None), |(t, id)| (Some(t), Some(id)));
    sqlx::query(
        "INSERT INTO audit_log (team_id, actor_user_id, action, target_type, target_id, detail, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7::inet)",
    )
    .bind(entry.team_id)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(target_type)
    .bind(target_id)
    .bind(entry.detail)
    .bind(entry.ip.map(|ip| ip.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An audit row for something `actor` did in their current team.
pub async fn record_by(
    tx: &mut Tx,
    actor: &app::backend::Actor,
    action: &str,
    target: (&str, String),
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    record(
        tx,
        Entry {
            team_id: Some(actor.team_id),
            actor: Some(actor.user_id),
            action,
            target: Some(target),
            detail,
            ip: actor.ip,
        },
    )
    .await
}
