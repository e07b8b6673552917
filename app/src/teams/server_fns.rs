//! Team management: thin transports over the backend's team operations. Every one
//! resolves the caller from the session first; the backend checks their role.

use leptos::prelude::*;
use uuid::Uuid;

use super::{AuditPage, InvitationPreview, TeamOverview};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "teams/overview")]
pub async fn get_team_overview() -> Result<TeamOverview, AppError> {
    use crate::backend;
    backend::respond(async { backend::teams()?.overview(&backend::actor().await?).await }.await)
}

/// Returns the invitation link's path (`/invite/<token>`); shown once.
#[server(prefix = "/api", endpoint = "teams/invite")]
pub async fn create_invitation(role: String) -> Result<String, AppError> {
    use crate::auth::Role;
    use crate::backend;
    backend::respond_in_place(
        "invitation-link",
        async {
            let role =
                Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose a role."))?;
            let token = backend::teams()?
                .invite(&backend::actor().await?, role)
                .await?;
            Ok(format!("/invite/{token}"))
        }
        .await,
    )
}

/// Emails an invitation; returns the address it went to.
#[server(prefix = "/api", endpoint = "teams/email_invitation")]
pub async fn email_invitation(role: String, email: String) -> Result<String, AppError> {
    use crate::auth::{Email, Role};
    use crate::backend;
    backend::respond_in_place(
        "invitation-sent",
        async {
            let role =
                Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose a role."))?;
            let email = Email::parse(&email)?;
            backend::teams()?
                .invite_by_email(&backend::actor().await?, role, &email)
                .await?;
            Ok(email.as_str().to_owned())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/revoke_invitation")]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::teams()?
                .revoke_invitation(&backend::actor().await?, id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/change_role")]
pub async fn change_role(user_id: Uuid, role: String) -> Result<(), AppError> {
    use crate::auth::Role;
    use crate::backend;
    backend::respond(
        async {
            let role =
                Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose a role."))?;
            backend::teams()?
                .change_role(&backend::actor().await?, user_id, role)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/remove_member")]
pub async fn remove_member(user_id: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::teams()?
                .remove_member(&backend::actor().await?, user_id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/leave")]
pub async fn leave_team() -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::teams()?.leave(&backend::actor().await?).await?;
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/rename")]
pub async fn rename_team(name: String) -> Result<(), AppError> {
    use super::parse_team_name;
    use crate::backend;
    backend::respond(
        async {
            let name = parse_team_name(&name)?;
            backend::teams()?
                .rename(&backend::actor().await?, &name)
                .await
        }
        .await,
    )
}

/// Owners only: whether members must sign in with a second factor.
#[server(prefix = "/api", endpoint = "teams/require_two_factor")]
pub async fn require_two_factor(required: bool) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::teams()?
                .require_two_factor(&backend::actor().await?, required)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/switch")]
pub async fn switch_team(team_id: Uuid) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            backend::accounts()?.switch_team(&token, team_id).await?;
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::backend;
    backend::respond(async { backend::teams()?.invitation_preview(&token).await }.await)
}

#[server(prefix = "/api", endpoint = "teams/accept")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::backend::{self, session_cookie};
    backend::respond(
        async {
            let session = session_cookie::read().ok_or(AppError::Unauthenticated)?;
            let actor = backend::actor().await?;
            let team_id = backend::teams()?
                .accept_invitation(actor.user_id, &token)
                .await?;
            backend::accounts()?.switch_team(&session, team_id).await?;
            leptos_axum::redirect("/settings");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "teams/audit")]
pub async fn audit_log(action: Option<String>, before: Option<i64>) -> Result<AuditPage, AppError> {
    use crate::backend;
    backend::respond(
        async {
            let action = action.filter(|a| !a.trim().is_empty());
            backend::teams()?
                .audit_log(&backend::actor().await?, action.as_deref(), before)
                .await
        }
        .await,
    )
}
