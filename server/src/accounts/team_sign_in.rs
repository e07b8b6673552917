//! Signing in through a team's own identity provider (team single sign-on). The team
//! proved it owns its email domains, so its provider speaks for the addresses in them:
//! such an address opens the account that uses it (linking the identity), or a new
//! one. Whoever signs in joins the team with its default role on their first visit,
//! and lands in it.

use app::auth::Role;
use app::backend::{ClientInfo, SignInStep};
use app::error::AppError;
use serde_json::json;
use uuid::Uuid;

use super::identities::{NO_PASSWORD, Refusal, insert, linked_user, new_account_name};
use super::{AccountsService, store};
use crate::audit;
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::identity::VerifiedIdentity;

impl AccountsService {
    pub async fn sign_in_through_team(
        &self,
        team_id: Uuid,
        default_role: Role,
        identity: &VerifiedIdentity,
        client: &ClientInfo,
    ) -> Result<Result<SignInStep, Refusal>, ServerError> {
        let Some(email) = identity
            .verified_email
            .clone()
            .or_else(|| identity.claimed_email.clone())
        else {
            return Ok(Err(Refusal::NoEmail));
        };
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        if !crate::team_sso::proves(&mut tx, team_id, &email).await? {
            return Ok(Err(Refusal::OutsideDomain));
        }
        tenant::set(&mut tx, Tenant::default()).await?;
        let user_id = match self.account_for(&mut tx, &email, identity, client).await? {
            Ok(user_id) => user_id,
            Err(refusal) => return Ok(Err(refusal)),
        };
        sqlx::query("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1 AND email = $2")
            .bind(user_id)
            .bind(&email)
            .execute(&mut *tx)
            .await?;
        tenant::set(&mut tx, Tenant::member(user_id, team_id)).await?;
        join(&mut tx, team_id, user_id, default_role, client).await?;
        crate::team_sso::used(&mut tx, team_id).await?;
        let user = store::user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(Ok(self
            .open(user.id, &user.email, client, Some(team_id))
            .await?))
    }

    /// The account the identity opens: the one it is linked to, else the one its email
    /// names (now linked), else a new one.
    async fn account_for(
        &self,
        tx: &mut Tx,
        email: &str,
        identity: &VerifiedIdentity,
        client: &ClientInfo,
    ) -> Result<Result<Uuid, Refusal>, ServerError> {
        if let Some(user_id) = linked_user(tx, identity).await? {
            return Ok(Ok(user_id));
        }
        let user_id = match store::user_by_email(tx, email).await? {
            Some(user) => user.id,
            None => {
                let name = new_account_name(identity, email);
                let created = self
                    .create_account(tx, email, &name, NO_PASSWORD, client, "sso")
                    .await?;
                let Some((user_id, _)) = created else {
                    return Ok(Err(Refusal::LinkedElsewhere));
                };
                user_id
            }
        };
        if !insert(tx, user_id, identity).await? {
            return Ok(Err(Refusal::LinkedElsewhere));
        }
        Ok(Ok(user_id))
    }
}

/// Makes the person a member (the transaction's tenant is them in the team), unless
/// they are one already.
async fn join(
    tx: &mut Tx,
    team_id: Uuid,
    user_id: Uuid,
    role: Role,
    client: &ClientInfo,
) -> Result<(), ServerError> {
    if !crate::teams::membership::add(tx, user_id, role).await? {
        return Ok(());
    }
    let entry = audit::Entry {
        team_id: Some(team_id),
        actor: Some(user_id),
        action: "member.joined",
        target: Some(("user", user_id.to_string())),
        detail: json!({ "via": "sso", "role": role.as_str() }),
        ip: client.ip,
    };
    Ok(audit::record(tx, entry).await?)
}
