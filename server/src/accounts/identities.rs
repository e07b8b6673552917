//! Accounts and the identities providers vouch for. An identity (a provider's subject at
//! its issuer) opens the account it is linked to. An identity seen for the first time
//! links to an existing account only through an email the provider says it verified;
//! without one, the person signs in with their password first and links it from their
//! profile. A verified email nobody uses yet becomes a new account (without a password:
//! "Forgot your password?" gives it one). An identity is unlinked only while another
//! way to sign in remains.

use app::backend::{ClientInfo, SessionToken, SignInStep};
use app::error::AppError;
use app::profile::LinkedIdentity;
use serde_json::json;
use uuid::Uuid;

use super::{AccountsService, record_in_each_team, store};
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::identity::VerifiedIdentity;

/// Why an identity did not sign in or link; the sign-in page says it (`?sso=<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An account uses the email, but the provider did not vouch for it.
    Unverified,
    /// No account, and no verified email to make one with.
    NoEmail,
    /// The identity belongs to another account.
    LinkedElsewhere,
    /// The email's team requires its own single sign-on.
    SsoRequired,
    /// A team's provider named an email outside the team's proven domains.
    OutsideDomain,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unverified => "unverified",
            Refusal::NoEmail => "no_email",
            Refusal::LinkedElsewhere => "linked_elsewhere",
            Refusal::SsoRequired => "sso_required",
            Refusal::OutsideDomain => "outside_domain",
        }
    }
}

/// Marks accounts made through a provider: no password verifies against it.
pub(super) const NO_PASSWORD: &str = "!";

impl AccountsService {
    pub async fn sign_in_with_identity(
        &self,
        identity: &VerifiedIdentity,
        client: &ClientInfo,
    ) -> Result<Result<SignInStep, Refusal>, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let email = identity
            .verified_email
            .as_ref()
            .or(identity.claimed_email.as_ref());
        if let Some(email) = email
            && crate::team_sso::required_for(&mut tx, email)
                .await?
                .is_some()
        {
            return Ok(Err(Refusal::SsoRequired));
        }
        let user_id = match linked_user(&mut tx, identity).await? {
            Some(user_id) => user_id,
            None => match self.adopt(&mut tx, identity, client).await? {
                Ok(user_id) => user_id,
                Err(refusal) => return Ok(Err(refusal)),
            },
        };
        let user = store::user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(Ok(self.open(user.id, &user.email, client, None).await?))
    }

    /// The account for an identity seen for the first time: the one its verified email
    /// names (now linked), or a new one.
    async fn adopt(
        &self,
        tx: &mut Tx,
        identity: &VerifiedIdentity,
        client: &ClientInfo,
    ) -> Result<Result<Uuid, Refusal>, ServerError> {
        let Some(email) = identity.verified_email.as_deref() else {
            let known = match identity.claimed_email.as_deref() {
                Some(email) => store::user_by_email(tx, email).await?.is_some(),
                None => false,
            };
            return Ok(Err(if known {
                Refusal::Unverified
            } else {
                Refusal::NoEmail
            }));
        };
        let user_id = match store::user_by_email(tx, email).await? {
            Some(user) => user.id,
            None => {
                let name = new_account_name(identity, email);
                let Some((user_id, _)) = self
                    .create_account(tx, email, &name, NO_PASSWORD, client, &identity.provider)
                    .await?
                else {
                    return Ok(Err(Refusal::LinkedElsewhere));
                };
                user_id
            }
        };
        // The provider vouched for the address: it is verified here too.
        sqlx::query("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1 AND email = $2")
            .bind(user_id)
            .bind(email)
            .execute(&mut **tx)
            .await?;
        if !insert(tx, user_id, identity).await? {
            return Ok(Err(Refusal::LinkedElsewhere));
        }
        let detail = json!({ "provider": identity.provider, "email": email });
        record_in_each_team(tx, user_id, "user.identity_linked", detail, client.ip).await?;
        Ok(Ok(user_id))
    }

    /// Links an identity to the signed-in account (from Settings → Profile).
    pub async fn link_identity(
        &self,
        user_id: Uuid,
        identity: &VerifiedIdentity,
        client: &ClientInfo,
    ) -> Result<Result<(), Refusal>, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::user(user_id)).await?;
        match linked_user(&mut tx, identity).await? {
            Some(owner) if owner == user_id => return Ok(Ok(())),
            Some(_) => return Ok(Err(Refusal::LinkedElsewhere)),
            None => {}
        }
        if !insert(&mut tx, user_id, identity).await? {
            return Ok(Err(Refusal::LinkedElsewhere));
        }
        let detail = json!({ "provider": identity.provider, "email": identity.claimed_email });
        record_in_each_team(&mut tx, user_id, "user.identity_linked", detail, client.ip).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn linked_identities(
        &self,
        token: &SessionToken,
    ) -> Result<Vec<LinkedIdentity>, ServerError> {
        let session = self.signed_in(token).await?;
        let mut tx = tenant::begin(&self.db, Tenant::user(session.user_id)).await?;
        let rows: Vec<(Uuid, String, Option<String>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
            "SELECT id, provider, email, created_at FROM user_identities WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(session.user_id)
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(rows
            .into_iter()
            .map(|(id, provider, email, linked)| LinkedIdentity {
                id,
                label: self.provider_label(&provider),
                provider,
                email,
                linked: crate::display::time(linked),
            })
            .collect())
    }

    /// Unlinks one of the person's identities, unless it is their last way in.
    pub async fn unlink_identity(
        &self,
        token: &SessionToken,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let session = self.signed_in(token).await?;
        let mut tx = tenant::begin(&self.db, Tenant::user(session.user_id)).await?;
        let user = store::user_by_id(&mut tx, session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let others: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM user_identities WHERE user_id = $1 AND id <> $2",
        )
        .bind(user.id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let removed: Option<String> = sqlx::query_scalar(
            "DELETE FROM user_identities WHERE user_id = $1 AND id = $2 RETURNING provider",
        )
        .bind(user.id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(provider) = removed else {
            return Err(AppError::NotFound.into());
        };
        if user.password_hash == NO_PASSWORD && others == 0 {
            return Err(AppError::Conflict(
                "This is your only way to sign in. Set a password first (“Forgot your password?” on the sign-in page sends a link), then unlink it.".into(),
            )
            .into());
        }
        let detail = json!({ "provider": provider });
        record_in_each_team(
            &mut tx,
            user.id,
            "user.identity_unlinked",
            detail,
            client.ip,
        )
        .await?;
        Ok(tx.commit().await?)
    }

    fn provider_label(&self, provider: &str) -> String {
        if provider == crate::identity::TEAM_PROVIDER {
            return "Your team's single sign-on".to_owned();
        }
        self.identity_providers
            .iter()
            .find(|(id, _)| id == provider)
            .map_or_else(|| provider.to_owned(), |(_, label)| label.clone())
    }
}

/// The name of an account a provider's identity makes: the name it gave, else the
/// email's local part.
pub(super) fn new_account_name(identity: &VerifiedIdentity, email: &str) -> String {
    let name = identity
        .name
        .clone()
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
    name.chars().take(100).collect()
}

/// Unlinks every identity of an account being deleted: they open nothing any more, and
/// their email may make a new account.
pub async fn forget(tx: &mut Tx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_identities WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn linked_user(
    tx: &mut Tx,
    identity: &VerifiedIdentity,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE user_identities SET last_used_at = now() WHERE issuer = $1 AND subject = $2 RETURNING user_id",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .fetch_optional(&mut **tx)
    .await
}

/// Links; `false` when the identity is linked already (to anyone).
pub(super) async fn insert(
    tx: &mut Tx,
    user_id: Uuid,
    identity: &VerifiedIdentity,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO user_identities (user_id, provider, issuer, subject, email)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (issuer, subject) DO NOTHING",
    )
    .bind(user_id)
    .bind(&identity.provider)
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(&identity.claimed_email)
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
