use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::auth::{Email, Role};
use crate::error::AppError;
use crate::teams::{AuditPage, InvitationPreview, TeamOverview};

/// Team membership and administration. Implementations check the actor's role for
/// every operation; the pages only hide what a role cannot do.
#[async_trait]
pub trait Teams: Send + Sync + 'static {
    async fn overview(&self, actor: &Actor) -> Result<TeamOverview, AppError>;
    /// Creates a single-use invitation link and returns its secret token.
    async fn invite(&self, actor: &Actor, role: Role) -> Result<String, AppError>;
    /// Emails a single-use invitation to `email`.
    async fn invite_by_email(
        &self,
        actor: &Actor,
        role: Role,
        email: &Email,
    ) -> Result<(), AppError>;
    async fn revoke_invitation(&self, actor: &Actor, invitation_id: Uuid) -> Result<(), AppError>;
    async fn change_role(&self, actor: &Actor, user_id: Uuid, role: Role) -> Result<(), AppError>;
    async fn remove_member(&self, actor: &Actor, user_id: Uuid) -> Result<(), AppError>;
    async fn leave(&self, actor: &Actor) -> Result<(), AppError>;
    async fn rename(&self, actor: &Actor, name: &str) -> Result<(), AppError>;
    /// Whether members must sign in with a second factor (owners only; an owner turning
    /// it on must use one already).
    async fn require_two_factor(&self, actor: &Actor, required: bool) -> Result<(), AppError>;
    async fn invitation_preview(&self, token: &str) -> Result<InvitationPreview, AppError>;
    /// Joins the invitation's team; returns its id.
    async fn accept_invitation(&self, user_id: Uuid, token: &str) -> Result<Uuid, AppError>;
    async fn audit_log(
        &self,
        actor: &Actor,
        action: Option<&str>,
        before: Option<i64>,
    ) -> Result<AuditPage, AppError>;
}
