//! Team administration: members, roles, invitation links, renaming, leaving, and the
//! audit log. Implements `app::backend::Teams`. Role rules are checked here, on the
//! server, whatever the page showed.

pub mod invitation_mail;
mod invitations;
pub(crate) mod membership;
pub(crate) mod rules;

use app::auth::{Email, Role};
use app::backend::{Actor, Teams};
use app::billing::PlanTier;
use app::error::AppError;
use app::teams::{AuditPage, InvitationPreview, Member, PendingInvitation, TeamOverview};
use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use crate::accounts::two_factor;
use crate::accounts::verification::EmailGate;
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use crate::mail::outbox::{self, MailKind};

pub struct TeamsService {
    db: PgPool,
    /// Becoming an owner waits for a verified address (while email is on).
    email_gate: EmailGate,
    /// Outgoing email is configured: invitations can be emailed.
    mail_enabled: bool,
}

impl TeamsService {
    pub fn new(db: PgPool, email_gate: EmailGate, mail_enabled: bool) -> Self {
        Self {
            db,
            email_gate,
            mail_enabled,
        }
    }

    /// The team's plan (it sets the team's API rate limit).
    pub async fn plan(&self, team_id: Uuid) -> Result<PlanTier, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let plan: String = sqlx::query_scalar("SELECT plan::text FROM teams WHERE id = $1")
            .bind(team_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        // The column is a `plan_tier`: another value would be a schema bug.
        PlanTier::try_from(plan).map_err(|error| ServerError::other("reading a team's plan", error))
    }
}

impl TeamsService {
    pub async fn overview(&self, actor: &Actor) -> Result<TeamOverview, ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let (name, require_two_factor): (String, bool) =
            sqlx::query_as("SELECT name, require_two_factor FROM teams WHERE id = $1")
                .bind(actor.team_id)
                .fetch_one(&mut *tx)
                .await?;
        let members = membership::list(&mut tx).await?;
        let invitations = if actor.role >= Role::Admin {
            invitations::pending(&mut tx).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        Ok(TeamOverview {
            name,
            my_role: actor.role,
            my_user_id: actor.user_id,
            require_two_factor,
            members: members
                .into_iter()
                .map(|m| Member {
                    joined: crate::display::time(m.joined_at),
                    ..m.member
                })
                .collect(),
            invitations: invitations
                .into_iter()
                .map(|i| PendingInvitation {
                    expires: crate::display::time(i.expires_at),
                    ..i.invitation
                })
                .collect(),
        })
    }

    pub async fn invite(&self, actor: &Actor, role: Role) -> Result<String, ServerError> {
        rules::may_grant(actor.role, role)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let (id, token) = invitations::create(&mut tx, actor, role).await?;
        audit(
            &mut tx,
            actor,
            "member.invited",
            ("invitation", id.to_string()),
            serde_json::json!({ "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Emails an invitation to `email` (its link is made when the mail goes out).
    pub async fn invite_by_email(
        &self,
        actor: &Actor,
        role: Role,
        email: &str,
    ) -> Result<(), ServerError> {
        rules::may_grant(actor.role, role)?;
        if !self.mail_enabled {
            return Err(AppError::Unavailable(
                "Email is not set up on this server, so invitations cannot be emailed: create a link and send it yourself.".into(),
            )
            .into());
        }
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let id = invitations::create_for_email(&mut tx, actor, role, email).await?;
        let params = serde_json::json!({ "team_id": actor.team_id, "invitation_id": id });
        outbox::enqueue(&mut tx, MailKind::Invitation, email, params).await?;
        audit(
            &mut tx,
            actor,
            "member.invited",
            ("invitation", id.to_string()),
            serde_json::json!({ "role": role.as_str(), "email": email }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn revoke_invitation(
        &self,
        actor: &Actor,
        invitation_id: Uuid,
    ) -> Result<(), ServerError> {
        rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        if !invitations::revoke(&mut tx, invitation_id).await? {
            return Err(AppError::NotFound.into());
        }
        audit(
            &mut tx,
            actor,
            "invitation.revoked",
            ("invitation", invitation_id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn change_role(
        &self,
        actor: &Actor,
        user_id: Uuid,
        role: Role,
    ) -> Result<(), ServerError> {
        rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let roles = membership::lock_roles(&mut tx, actor.team_id).await?;
        let current = *roles.get(&user_id).ok_or(AppError::NotFound)?;
        rules::may_change(actor.role, current, role, &roles)?;
        if role == Role::Owner {
            self.email_gate
                .check(&mut tx, user_id, || {
                    "They have not confirmed their email address yet, so they cannot be made an owner. Ask them to follow the link we sent.".into()
                })
                .await?;
        }
        membership::set_role(&mut tx, user_id, role).await?;
        audit(
            &mut tx,
            actor,
            "member.role_changed",
            ("user", user_id.to_string()),
            serde_json::json!({ "from": current.as_str(), "to": role.as_str() }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn remove_member(&self, actor: &Actor, user_id: Uuid) -> Result<(), ServerError> {
        if user_id == actor.user_id {
            return self.leave(actor).await;
        }
        rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let roles = membership::lock_roles(&mut tx, actor.team_id).await?;
        let current = *roles.get(&user_id).ok_or(AppError::NotFound)?;
        rules::may_remove(actor.role, current)?;
        membership::delete(&mut tx, user_id).await?;
        audit(
            &mut tx,
            actor,
            "member.removed",
            ("user", user_id.to_string()),
            serde_json::json!({ "role": current.as_str() }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn leave(&self, actor: &Actor) -> Result<(), ServerError> {
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let roles = membership::lock_roles(&mut tx, actor.team_id).await?;
        rules::may_leave(actor.user_id, &roles)?;
        membership::delete(&mut tx, actor.user_id).await?;
        audit(
            &mut tx,
            actor,
            "member.left",
            ("user", actor.user_id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn rename(&self, actor: &Actor, name: &str) -> Result<(), ServerError> {
        rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let old: String = sqlx::query_scalar("SELECT name FROM teams WHERE id = $1 FOR UPDATE")
            .bind(actor.team_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE teams SET name = $2 WHERE id = $1")
            .bind(actor.team_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "team.renamed",
            ("team", actor.team_id.to_string()),
            serde_json::json!({ "from": old, "to": name }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    pub async fn require_two_factor(
        &self,
        actor: &Actor,
        required: bool,
    ) -> Result<(), ServerError> {
        rules::at_least(actor.role, Role::Owner)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        if required && !two_factor::is_enabled(&mut tx, actor.user_id).await? {
            return Err(AppError::Conflict(
                "Turn on two-factor sign-in for yourself first (Settings → Profile), so that requiring it cannot lock you out.".into(),
            )
            .into());
        }
        sqlx::query("UPDATE teams SET require_two_factor = $2 WHERE id = $1")
            .bind(actor.team_id)
            .bind(required)
            .execute(&mut *tx)
            .await?;
        let action = if required {
            "team.two_factor_required"
        } else {
            "team.two_factor_optional"
        };
        let target = ("team", actor.team_id.to_string());
        audit(&mut tx, actor, action, target, serde_json::json!({})).await?;
        Ok(tx.commit().await?)
    }

    pub async fn invitation_preview(&self, token: &str) -> Result<InvitationPreview, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let invitation = invitations::find_usable(&mut tx, token).await?;
        Ok(InvitationPreview {
            team_name: invitation.team_name,
            role: invitation.role,
        })
    }

    pub async fn accept_invitation(&self, user_id: Uuid, token: &str) -> Result<Uuid, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::user(user_id)).await?;
        let invitation = invitations::find_usable(&mut tx, token).await?;
        tenant::set(&mut tx, Tenant::member(user_id, invitation.team_id)).await?;
        if !membership::add(&mut tx, user_id, invitation.role).await? {
            return Err(AppError::Conflict("You are already a member of this team.".into()).into());
        }
        // Single use: only the first acceptance claims it, even under a race.
        if !invitations::claim(&mut tx, invitation.id, user_id).await? {
            return Err(AppError::Conflict("This invitation has already been used.".into()).into());
        }
        let actor = Actor {
            user_id,
            team_id: invitation.team_id,
            role: invitation.role,
            ip: None,
            api_key_id: None,
        };
        audit(
            &mut tx,
            &actor,
            "member.joined",
            ("invitation", invitation.id.to_string()),
            serde_json::json!({ "role": invitation.role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(invitation.team_id)
    }

    pub async fn audit_log(
        &self,
        actor: &Actor,
        action: Option<&str>,
        before: Option<i64>,
    ) -> Result<AuditPage, ServerError> {
        rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let page = crate::audit::log::page(&mut tx, action, before).await?;
        tx.commit().await?;
        Ok(page)
    }
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Teams for TeamsService {
    async fn overview(&self, actor: &Actor) -> Result<TeamOverview, AppError> {
        Ok(TeamsService::overview(self, actor).await?)
    }

    async fn invite(&self, actor: &Actor, role: Role) -> Result<String, AppError> {
        Ok(TeamsService::invite(self, actor, role).await?)
    }

    async fn invite_by_email(
        &self,
        actor: &Actor,
        role: Role,
        email: &Email,
    ) -> Result<(), AppError> {
        Ok(TeamsService::invite_by_email(self, actor, role, email.as_str()).await?)
    }

    async fn revoke_invitation(&self, actor: &Actor, invitation_id: Uuid) -> Result<(), AppError> {
        Ok(TeamsService::revoke_invitation(self, actor, invitation_id).await?)
    }

    async fn change_role(&self, actor: &Actor, user_id: Uuid, role: Role) -> Result<(), AppError> {
        Ok(TeamsService::change_role(self, actor, user_id, role).await?)
    }

    async fn remove_member(&self, actor: &Actor, user_id: Uuid) -> Result<(), AppError> {
        Ok(TeamsService::remove_member(self, actor, user_id).await?)
    }

    async fn leave(&self, actor: &Actor) -> Result<(), AppError> {
        Ok(TeamsService::leave(self, actor).await?)
    }

    async fn rename(&self, actor: &Actor, name: &str) -> Result<(), AppError> {
        Ok(TeamsService::rename(self, actor, name).await?)
    }

    async fn require_two_factor(&self, actor: &Actor, required: bool) -> Result<(), AppError> {
        Ok(TeamsService::require_two_factor(self, actor, required).await?)
    }

    async fn invitation_preview(&self, token: &str) -> Result<InvitationPreview, AppError> {
        Ok(TeamsService::invitation_preview(self, token).await?)
    }

    async fn accept_invitation(&self, user_id: Uuid, token: &str) -> Result<Uuid, AppError> {
        Ok(TeamsService::accept_invitation(self, user_id, token).await?)
    }

    async fn audit_log(
        &self,
        actor: &Actor,
        action: Option<&str>,
        before: Option<i64>,
    ) -> Result<AuditPage, AppError> {
        Ok(TeamsService::audit_log(self, actor, action, before).await?)
    }
}

async fn audit(
    tx: &mut tenant::Tx,
    actor: &Actor,
    action: &str,
    target: (&str, String),
    detail: serde_json::Value,
) -> Result<(), ServerError> {
    Ok(crate::audit::record_by(tx, actor, action, target, detail).await?)
}
