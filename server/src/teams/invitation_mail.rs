//! The mail of an emailed invitation, composed when it is sent: the invitation gets its
//! link's token then, and the mail says who invited whom to which team.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::invitations;
use crate::db::tenant::{self, Tenant};
use crate::mail::{Rendered, templates};

/// The invitation mail for the outbox row's `params` (`team_id`, `invitation_id`);
/// `None` when the invitation can no longer be accepted.
pub async fn compose(
    db: &PgPool,
    email: &str,
    params: &Value,
    public_url: &str,
) -> Result<Option<Rendered>, sqlx::Error> {
    let id = |key: &str| params[key].as_str().and_then(|v| v.parse::<Uuid>().ok());
    let (Some(team_id), Some(invitation_id)) = (id("team_id"), id("invitation_id")) else {
        tracing::error!("an invitation mail without its team or invitation; skipped");
        return Ok(None);
    };
    let mut tx = tenant::begin(db, Tenant::team(team_id)).await?;
    let issued = invitations::issue_link(&mut tx, invitation_id).await?;
    tx.commit().await?;
    Ok(issued.map(|issued| {
        // The invitee lands on sign-up or sign-in with the address filled in.
        let address: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        let link = format!("{public_url}/invite/{}?email={address}", issued.token);
        templates::invitation(&issued.inviter, &issued.team_name, &issued.role, &link)
    }))
}
