//! Reading the team's audit log, newest first, filtered by action, a page at a time.

use app::teams::{AuditEntry, AuditPage};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use crate::db::tenant::Tx;

const PAGE: i64 = 50;

pub async fn page(
    tx: &mut Tx,
    action: Option<&str>,
    before: Option<i64>,
) -> Result<AuditPage, sqlx::Error> {
    let mut query = QueryBuilder::new(
        "SELECT a.id, a.created_at, coalesce(u.display_name, 'system'), a.action,
                coalesce(a.target_type || ' ' || a.target_id, ''), a.detail::text
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         WHERE a.team_id = app_team_id()",
    );
    if let Some(action) = action {
        query
            .push(" AND a.action LIKE ")
            .push_bind(format!("{}%", action.replace('%', "")));
    }
    if let Some(before) = before {
        query.push(" AND a.id < ").push_bind(before);
    }
    query.push(" ORDER BY a.id DESC LIMIT ").push_bind(PAGE + 1);
    let mut rows: Vec<(i64, DateTime<Utc>, String, String, String, String)> =
        query.build_query_as().fetch_all(&mut **tx).await?;
    let more = rows.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
    let next_before = if more { rows.last().map(|r| r.0) } else { None };
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|(id, at, actor, action, target, detail)| AuditEntry {
                id,
                at: at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor,
                action,
                target,
                detail,
            })
            .collect(),
        next_before,
    })
}
