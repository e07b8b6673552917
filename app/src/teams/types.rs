//! What the team pages show. Times are pre-formatted on the server (UTC), so the WASM
//! client carries no date library.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub joined: String,
    /// Signs in with a second factor.
    #[serde(default)]
    pub two_factor: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: Uuid,
    pub role: Role,
    pub expires: String,
    pub invited_by: String,
    /// Where it was emailed; `None` for a link to copy.
    #[serde(default)]
    pub email: Option<String>,
}

/// What an invitation link offers, shown before the invitee accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub team_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamOverview {
    pub name: String,
    pub my_role: Role,
    pub my_user_id: Uuid,
    /// Members must sign in with a second factor (owners set it).
    #[serde(default)]
    pub require_two_factor: bool,
    pub members: Vec<Member>,
    pub invitations: Vec<PendingInvitation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// One page of the audit log, newest first; `next_before` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

/// Team names: trimmed, 1 to 100 characters.
pub fn parse_team_name(raw: &str) -> Result<String, crate::error::AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(crate::error::AppError::invalid(
            "name",
            "Team names are 1 to 100 characters.",
        ));
    }
    Ok(name.to_owned())
}
