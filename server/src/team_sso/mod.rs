//! Team single sign-on (Enterprise plan): a team's own OpenID Connect provider and the
//! email domains it proved by DNS. Implements `app::backend::TeamSso` for Settings →
//! Single sign-on (admins see it, owners change it), and answers the sign-in side:
//! which team's provider serves an email, and whether that team allows no other way in.

mod domains;

use std::sync::Arc;

use app::auth::Role;
use app::backend::{Actor, TeamSso};
use app::error::AppError;
use app::team_sso::{SsoDomain, SsoOverview, SsoProvider, SsoProviderInput};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::Secret;
use crate::db::tenant::{self, Tenant, Tx};
use crate::dns::SharedTxtResolver;
use crate::errors::ServerError;
use crate::identity::{IdentityProviders, TeamProvider};
use crate::secrets::{Keyring, Sealed};
use crate::teams::rules;

pub struct TeamSsoService {
    db: PgPool,
    keyring: Arc<Keyring>,
    identity: Arc<IdentityProviders>,
    dns: SharedTxtResolver,
    /// Where people start a team's sign-in: `<public_url>/sso/<team>`.
    public_url: String,
}

/// A team whose single sign-on serves an email's domain.
#[derive(Debug, Clone)]
pub struct SsoTeam {
    pub team_id: Uuid,
    pub team_name: String,
    pub required: bool,
}

/// Why a team's sign-in cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No provider (never set up, or turned off).
    NotSetUp,
    /// The team's plan no longer includes it.
    NotEnterprise,
}

#[derive(sqlx::FromRow)]
struct ProviderRow {
    issuer: String,
    client_id: String,
    secret_ciphertext: Vec<u8>,
    secret_nonce: Vec<u8>,
    default_role: String,
    required: bool,
    last_used_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DomainRow {
    id: Uuid,
    domain: String,
    token: String,
    verified_at: Option<DateTime<Utc>>,
}

/// What a team's provider is called on the identities it vouches for.
const PROVIDER_LABEL: &str = "single sign-on";

const PROVIDER_COLUMNS: &str = "issuer, client_id, secret_ciphertext, secret_nonce, default_role::text AS default_role, required, last_used_at";

impl TeamSsoService {
    pub fn new(
        db: PgPool,
        keyring: Arc<Keyring>,
        identity: Arc<IdentityProviders>,
        dns: SharedTxtResolver,
        public_url: String,
    ) -> Self {
        TeamSsoService {
            db,
            keyring,
            identity,
            dns,
            public_url,
        }
    }

    pub async fn overview(&self, actor: &Actor) -> Result<SsoOverview, ServerError> {
        rules::at_least(actor.role, Role::Admin)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let available = enterprise(&mut tx, actor.team_id).await?;
        let provider = provider_row(&mut tx, actor.team_id).await?;
        let domains: Vec<DomainRow> = sqlx::query_as(
            "SELECT id, domain, token, verified_at FROM team_domains WHERE team_id = $1 ORDER BY domain",
        )
        .bind(actor.team_id)
        .fetch_all(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        Ok(SsoOverview {
            available,
            may_manage: actor.role == Role::Owner,
            callback_url: self.identity.team_callback_url(actor.team_id),
            sign_in_url: format!("{}/sso/{}", self.public_url, actor.team_id),
            provider: provider.map(|row| SsoProvider {
                issuer: row.issuer,
                client_id: row.client_id,
                default_role: Role::parse(&row.default_role).unwrap_or(Role::Member),
                required: row.required,
                last_used: row.last_used_at.map(crate::display::time),
            }),
            domains: domains
                .into_iter()
                .map(|row| SsoDomain {
                    id: row.id,
                    record_name: domains::record_name(&row.domain),
                    record_value: domains::record_value(&row.token),
                    domain: row.domain,
                    verified: row.verified_at.map(crate::display::time),
                })
                .collect(),
        })
    }

    pub async fn configure(
        &self,
        actor: &Actor,
        input: SsoProviderInput,
    ) -> Result<(), ServerError> {
        let mut tx = self.owner_on_enterprise(actor).await?;
        let issuer = parse_issuer(&input.issuer)?;
        if input.client_id.is_empty() || input.client_id.len() > 255 {
            return Err(
                AppError::invalid("client_id", "Enter the client ID your provider gave.").into(),
            );
        }
        let existing = provider_row(&mut tx, actor.team_id).await?;
        let secret = match (input.client_secret.is_empty(), &existing) {
            (false, _) => input.client_secret.clone(),
            (true, Some(row)) => self.open_secret(actor.team_id, row)?,
            (true, None) => {
                return Err(AppError::invalid(
                    "client_secret",
                    "Enter the client secret your provider gave.",
                )
                .into());
            }
        };
        let team = TeamProvider {
            team_id: actor.team_id,
            label: PROVIDER_LABEL.into(),
            issuer: issuer.clone(),
            client_id: input.client_id.clone(),
            client_secret: Secret::new(secret.clone()),
        };
        // Read its discovery document now: a typo shows here, not at everyone's sign-in.
        if let Err(error) = self.identity.discover_team(team).await {
            tracing::warn!(%error, "a team's identity provider could not be discovered");
            return Err(AppError::invalid(
                "issuer",
                format!("The provider's discovery document could not be read at {issuer}/.well-known/openid-configuration. Check the issuer URL."),
            )
            .into());
        }
        let sealed = self.keyring.seal_text(actor.team_id, &secret)?;
        sqlx::query(
            "INSERT INTO team_sso (team_id, issuer, client_id, secret_ciphertext, secret_nonce, default_role)
             VALUES ($1, $2, $3, $4, $5, $6::team_role)
             ON CONFLICT (team_id) DO UPDATE SET issuer = $2, client_id = $3, secret_ciphertext = $4,
                 secret_nonce = $5, default_role = $6::team_role, updated_at = now()",
        )
        .bind(actor.team_id)
        .bind(&issuer)
        .bind(&input.client_id)
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .bind(input.default_role.as_str())
        .execute(&mut *tx)
        .await?;
        let detail = json!({
            "issuer": issuer,
            "client_id": input.client_id,
            "default_role": input.default_role.as_str(),
            "secret_changed": !input.client_secret.is_empty(),
        });
        audit(&mut tx, actor, "sso.configured", detail).await?;
        Ok(tx.commit().await?)
    }

    pub async fn require(&self, actor: &Actor, required: bool) -> Result<(), ServerError> {
        let mut tx = self.owner_on_enterprise(actor).await?;
        let Some(row) = provider_row(&mut tx, actor.team_id).await? else {
            return Err(AppError::Conflict("Set up the identity provider first.".into()).into());
        };
        if required && row.last_used_at.is_none() {
            return Err(AppError::Conflict(
                "Nobody has signed in through the provider yet. Try it first (“Sign in with single sign-on”), so that requiring it cannot lock the team out.".into(),
            )
            .into());
        }
        sqlx::query("UPDATE team_sso SET required = $2, updated_at = now() WHERE team_id = $1")
            .bind(actor.team_id)
            .bind(required)
            .execute(&mut *tx)
            .await?;
        let action = if required {
            "sso.required"
        } else {
            "sso.optional"
        };
        audit(&mut tx, actor, action, json!({})).await?;
        Ok(tx.commit().await?)
    }

    pub async fn remove(&self, actor: &Actor) -> Result<(), ServerError> {
        rules::at_least(actor.role, Role::Owner)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let removed = sqlx::query("DELETE FROM team_sso WHERE team_id = $1")
            .bind(actor.team_id)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        audit(&mut tx, actor, "sso.removed", json!({})).await?;
        Ok(tx.commit().await?)
    }

    pub async fn add_domain(&self, actor: &Actor, raw: &str) -> Result<(), ServerError> {
        let domain = domains::parse(raw)?;
        let mut tx = self.owner_on_enterprise(actor).await?;
        // 256 random bits, URL-safe: letters, digits, `-` and `_`, which every DNS
        // host's form takes as they are.
        let token = crate::crypto::random_token();
        let added = sqlx::query(
            "INSERT INTO team_domains (team_id, domain, token) VALUES ($1, $2, $3)
             ON CONFLICT (team_id, domain) DO NOTHING",
        )
        .bind(actor.team_id)
        .bind(&domain)
        .bind(&token)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 0 {
            return Err(AppError::Conflict(format!("{domain} is already on the list.")).into());
        }
        audit(
            &mut tx,
            actor,
            "sso.domain_added",
            json!({ "domain": domain }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    /// Looks the domain's record up (outside any transaction: DNS may take seconds),
    /// then marks it proven.
    pub async fn verify_domain(&self, actor: &Actor, id: Uuid) -> Result<(), ServerError> {
        let mut tx = self.owner_on_enterprise(actor).await?;
        let row: Option<DomainRow> = sqlx::query_as(
            "SELECT id, domain, token, verified_at FROM team_domains WHERE team_id = $1 AND id = $2",
        )
        .bind(actor.team_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        let row = row.ok_or(AppError::NotFound)?;
        if row.verified_at.is_some() {
            return Ok(());
        }
        let name = domains::record_name(&row.domain);
        let want = domains::record_value(&row.token);
        let found = self.dns.txt(&name).await.map_err(|error| {
            tracing::warn!(%error, domain = %row.domain, "a domain's TXT record could not be looked up");
            AppError::Unavailable(format!(
                "The DNS look-up of {name} failed. Try again in a minute."
            ))
        })?;
        if !found.iter().any(|value| value.trim() == want) {
            return Err(AppError::Conflict(format!(
                "No TXT record at {name} says {want} yet. DNS changes can take a few minutes to show: try again shortly."
            ))
            .into());
        }
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let proven = sqlx::query(
            "UPDATE team_domains SET verified_at = now() WHERE id = $1 AND token = $2 AND verified_at IS NULL",
        )
        .bind(row.id)
        .bind(&row.token)
        .execute(&mut *tx)
        .await;
        let updated = match proven {
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                return Err(AppError::Conflict(format!(
                    "Another team has already proven {}. Ask Agent Factory support if it is yours.",
                    row.domain
                ))
                .into());
            }
            other => other?.rows_affected(),
        };
        // Removed, or proven by a second click, meanwhile: nothing more to record.
        if updated == 0 {
            return Ok(());
        }
        let detail = json!({ "domain": row.domain });
        audit(&mut tx, actor, "sso.domain_verified", detail).await?;
        Ok(tx.commit().await?)
    }

    pub async fn remove_domain(&self, actor: &Actor, id: Uuid) -> Result<(), ServerError> {
        rules::at_least(actor.role, Role::Owner)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        let removed: Option<String> = sqlx::query_scalar(
            "DELETE FROM team_domains WHERE team_id = $1 AND id = $2 RETURNING domain",
        )
        .bind(actor.team_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let domain = removed.ok_or(AppError::NotFound)?;
        audit(
            &mut tx,
            actor,
            "sso.domain_removed",
            json!({ "domain": domain }),
        )
        .await?;
        Ok(tx.commit().await?)
    }

    /// The team whose single sign-on serves `email`'s domain.
    pub async fn team_for_email(&self, email: &str) -> Result<Option<SsoTeam>, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let team = team_for(&mut tx, email).await?;
        tenant::done_reading(tx);
        Ok(team)
    }

    /// The team's provider to sign in through, and the role newcomers get.
    pub async fn provider_of(
        &self,
        team_id: Uuid,
    ) -> Result<Result<(TeamProvider, Role), Unavailable>, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::team(team_id)).await?;
        let row = provider_row(&mut tx, team_id).await?;
        let on_plan = enterprise(&mut tx, team_id).await?;
        tenant::done_reading(tx);
        let Some(row) = row else {
            return Ok(Err(Unavailable::NotSetUp));
        };
        if !on_plan {
            return Ok(Err(Unavailable::NotEnterprise));
        }
        let provider = TeamProvider {
            team_id,
            label: PROVIDER_LABEL.into(),
            client_secret: Secret::new(self.open_secret(team_id, &row)?),
            issuer: row.issuer,
            client_id: row.client_id,
        };
        Ok(Ok((
            provider,
            Role::parse(&row.default_role).unwrap_or(Role::Member),
        )))
    }

    /// A transaction as an owner of a team on the Enterprise plan.
    async fn owner_on_enterprise(&self, actor: &Actor) -> Result<Tx, ServerError> {
        rules::at_least(actor.role, Role::Owner)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        if !enterprise(&mut tx, actor.team_id).await? {
            return Err(AppError::Forbidden.into());
        }
        Ok(tx)
    }

    fn open_secret(&self, team_id: Uuid, row: &ProviderRow) -> Result<String, ServerError> {
        let sealed = Sealed {
            ciphertext: row.secret_ciphertext.clone(),
            nonce: row.secret_nonce.clone(),
        };
        Ok(self.keyring.open_text(team_id, &sealed)?)
    }
}

/// The team that requires its own sign-in of `email`, if any: password and other
/// providers are refused for it.
pub async fn required_for(tx: &mut Tx, email: &str) -> Result<Option<SsoTeam>, sqlx::Error> {
    Ok(team_for(tx, email).await?.filter(|team| team.required))
}

async fn team_for(tx: &mut Tx, email: &str) -> Result<Option<SsoTeam>, sqlx::Error> {
    let Some(domain) = domains::of_email(email) else {
        return Ok(None);
    };
    let row: Option<(Uuid, String, bool)> =
        sqlx::query_as("SELECT team_id, team_name, required FROM sso_team_for_domain($1)")
            .bind(domain)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(team_id, team_name, required)| SsoTeam {
        team_id,
        team_name,
        required,
    }))
}

/// Whether the team (the transaction's tenant) proved `email`'s domain.
pub async fn proves(tx: &mut Tx, team_id: Uuid, email: &str) -> Result<bool, sqlx::Error> {
    let Some(domain) = domains::of_email(email) else {
        return Ok(false);
    };
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM team_domains WHERE team_id = $1 AND domain = $2 AND verified_at IS NOT NULL)",
    )
    .bind(team_id)
    .bind(domain)
    .fetch_one(&mut **tx)
    .await
}

/// Someone signed in through the team's provider (the transaction is in the team).
pub async fn used(tx: &mut Tx, team_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE team_sso SET last_used_at = now() WHERE team_id = $1")
        .bind(team_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn enterprise(tx: &mut Tx, team_id: Uuid) -> Result<bool, sqlx::Error> {
    let plan: String = sqlx::query_scalar("SELECT plan::text FROM teams WHERE id = $1")
        .bind(team_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(plan == "enterprise")
}

async fn provider_row(tx: &mut Tx, team_id: Uuid) -> Result<Option<ProviderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM team_sso WHERE team_id = $1"
    ))
    .bind(team_id)
    .fetch_optional(&mut **tx)
    .await
}

/// An issuer URL as OpenID Connect discovery needs it: http(s), no query or fragment,
/// no trailing slash.
fn parse_issuer(raw: &str) -> Result<String, AppError> {
    let invalid = || {
        AppError::invalid(
            "issuer",
            "Enter the provider's issuer URL, such as https://login.example.com.",
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "https" | "http")
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || raw.len() > 512
    {
        return Err(invalid());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ServerError> {
    let target = ("team", actor.team_id.to_string());
    Ok(crate::audit::record_by(tx, actor, action, target, detail).await?)
}

#[async_trait]
impl TeamSso for TeamSsoService {
    async fn overview(&self, actor: &Actor) -> Result<SsoOverview, AppError> {
        Ok(TeamSsoService::overview(self, actor).await?)
    }

    async fn configure(&self, actor: &Actor, input: SsoProviderInput) -> Result<(), AppError> {
        Ok(TeamSsoService::configure(self, actor, input).await?)
    }

    async fn require(&self, actor: &Actor, required: bool) -> Result<(), AppError> {
        Ok(TeamSsoService::require(self, actor, required).await?)
    }

    async fn remove(&self, actor: &Actor) -> Result<(), AppError> {
        Ok(TeamSsoService::remove(self, actor).await?)
    }

    async fn add_domain(&self, actor: &Actor, domain: &str) -> Result<(), AppError> {
        Ok(TeamSsoService::add_domain(self, actor, domain).await?)
    }

    async fn verify_domain(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        Ok(TeamSsoService::verify_domain(self, actor, id).await?)
    }

    async fn remove_domain(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        Ok(TeamSsoService::remove_domain(self, actor, id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_issuer;

    #[test]
    fn issuers_are_urls_without_a_trailing_slash() {
        assert_eq!(
            parse_issuer("https://login.example.com/").unwrap(),
            "https://login.example.com"
        );
        assert_eq!(
            parse_issuer(" https://example.okta.com/oauth2/default ").unwrap(),
            "https://example.okta.com/oauth2/default"
        );
        for bad in [
            "login.example.com",
            "ftp://example.com",
            "https://example.com/?a=1",
            "https://u:p@example.com",
        ] {
            assert!(parse_issuer(bad).is_err(), "{bad} was accepted");
        }
    }
}
