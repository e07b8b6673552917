//! Accounts: sign-up, sign-in, sessions and who the viewer is. Implements the account
//! part of `app::backend::Backend`.

mod attempts;
mod devices;
pub mod email_change;
pub mod identities;
pub mod password_reset;
pub mod passwords;
mod profile;
mod sessions;
pub mod store;
mod team_sign_in;
mod tokens;
pub mod two_factor;
pub mod verification;

use std::sync::Arc;
use std::time::Duration;

use app::auth::{Email, Password, SignUpInput, Viewer};
use app::backend::{Accounts, Actor, ClientInfo, NewSession, SessionToken, SignInStep};
use app::error::AppError;
use app::profile::{ActiveSession, EmailChange, IdentityProvider, LinkedIdentity};
use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit;
use crate::db::tenant::{self, Tenant};
use crate::errors::ServerError;
use crate::mail::outbox::{self, MailKind};
use crate::redis_client::RedisClient;
use crate::secrets::Keyring;
use passwords::PasswordHasher;
pub use sessions::Session;
use sessions::SessionStore;

pub struct AccountsService {
    db: PgPool,
    cache: Arc<RedisClient>,
    hasher: PasswordHasher,
    sessions: SessionStore,
    secure_cookies: bool,
    /// Outgoing email is configured: the flows that send mail are on.
    mail_enabled: bool,
    /// Seals people's two-factor secrets, as it seals teams' secrets.
    keyring: Arc<Keyring>,
    /// `(id, label)` of each identity provider people may sign in with.
    identity_providers: Vec<(String, String)>,
}

pub struct AccountsConfig {
    pub hash_concurrency: usize,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub secure_cookies: bool,
    pub mail_enabled: bool,
    pub keyring: Arc<Keyring>,
    pub identity_providers: Vec<(String, String)>,
}

impl AccountsService {
    pub fn new(db: PgPool, cache: Arc<RedisClient>, config: AccountsConfig) -> Self {
        Self {
            db,
            cache,
            hasher: PasswordHasher::new(config.hash_concurrency),
            sessions: SessionStore {
                idle: config.session_idle,
                absolute: config.session_absolute,
            },
            secure_cookies: config.secure_cookies,
            mail_enabled: config.mail_enabled,
            keyring: config.keyring,
            identity_providers: config.identity_providers,
        }
    }

    /// The signed-in actor behind a cookie (for handlers outside server functions).
    pub async fn actor(
        &self,
        token: &SessionToken,
        ip: Option<std::net::IpAddr>,
    ) -> Result<Actor, AppError> {
        let viewer = self.viewer(token).await?.ok_or(AppError::Unauthenticated)?;
        Ok(Actor {
            user_id: viewer.user_id,
            team_id: viewer.team.id,
            role: viewer.team.role,
            ip,
            api_key_id: None,
        })
    }

    /// `export_data` as a JSON value, with its audit row.
    pub async fn export(&self, actor: &Actor) -> Result<serde_json::Value, ServerError> {
        let data = profile::export(&self.db, actor).await?;
        let mut tx = tenant::begin(&self.db, Tenant::of(actor)).await?;
        self.audit(&mut tx, actor, "user.exported_data").await?;
        tx.commit().await?;
        Ok(data)
    }

    async fn audit(
        &self,
        tx: &mut tenant::Tx,
        actor: &Actor,
        action: &str,
    ) -> Result<(), ServerError> {
        let target = ("user", actor.user_id.to_string());
        Ok(audit::record_by(tx, actor, action, target, serde_json::json!({})).await?)
    }

    /// `Ok` while email is on; else the refusal of a flow that would send `what`.
    fn mail_on(&self, what: &str) -> Result<(), ServerError> {
        if self.mail_enabled {
            return Ok(());
        }
        Err(AppError::Unavailable(format!(
            "Email is not set up on this server, so {what} cannot be sent. Ask your administrator to set SMTP_URL."
        ))
        .into())
    }

    /// The live session behind a cookie, for the page guard.
    pub async fn session(&self, token: &SessionToken) -> Result<Option<Session>, ServerError> {
        Ok(self.sessions.get(&self.cache, token).await?)
    }

    /// The live session behind a cookie, or `Unauthenticated`.
    async fn signed_in(&self, token: &SessionToken) -> Result<Session, ServerError> {
        Ok(self
            .session(token)
            .await?
            .ok_or(AppError::Unauthenticated)?)
    }
}

impl AccountsService {
    pub async fn viewer(&self, token: &SessionToken) -> Result<Option<Viewer>, ServerError> {
        let Some(session) = self.session(token).await? else {
            return Ok(None);
        };
        let mut tx = tenant::begin(&self.db, Tenant::user(session.user_id)).await?;
        let Some(user) = store::user_by_id(&mut tx, session.user_id).await? else {
            return Ok(None);
        };
        let teams = store::teams_of(&mut tx, user.id).await?;
        // The session's team, unless the user has since left it: then their first team.
        let Some(team) = teams
            .iter()
            .find(|t| t.id == session.team_id)
            .or(teams.first())
            .cloned()
        else {
            return Ok(None);
        };
        let verified = verification::is_verified(&mut tx, user.id).await?;
        let needs_two_factor = two_factor::owed_to(&mut tx, user.id, team.id).await?;
        tenant::done_reading(tx);
        Ok(Some(Viewer {
            user_id: user.id,
            email: user.email,
            display_name: user.display_name,
            needs_email_verification: self.mail_enabled && !verified,
            needs_two_factor,
            passwordless: user.password_hash == identities::NO_PASSWORD,
            team,
            teams,
        }))
    }

    pub async fn sign_up(
        &self,
        input: SignUpInput,
        client: &ClientInfo,
    ) -> Result<NewSession, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        let email = input.email.as_str();
        refuse_where_sso_is_required(&mut tx, email).await?;
        let password_hash = self.hasher.hash(input.password.expose()).await?;
        let name = &input.display_name;
        let created = self
            .create_account(&mut tx, email, name, &password_hash, client, "password")
            .await?;
        let Some((user_id, team_id)) = created else {
            return Err(AppError::Conflict(
                "We could not create an account with these details. If you already have one, sign in.".into(),
            ).into());
        };
        if self.mail_enabled {
            let email = input.email.as_str();
            outbox::enqueue(&mut tx, MailKind::VerifyEmail, email, serde_json::json!({})).await?;
        }
        tx.commit().await?;
        Ok(self
            .sessions
            .create(&self.cache, user_id, team_id, client)
            .await?)
    }

    /// A new person with their own team (its owner); `None` when the email is taken.
    async fn create_account(
        &self,
        tx: &mut tenant::Tx,
        email: &str,
        display_name: &str,
        password_hash: &str,
        client: &ClientInfo,
        via: &str,
    ) -> Result<Option<(Uuid, Uuid)>, ServerError> {
        let Some(user_id) = store::insert_user(tx, email, display_name, password_hash).await?
        else {
            return Ok(None);
        };
        // The new team is the transaction's tenant before it exists, so the policies
        // that guard teams and memberships admit exactly this insert.
        let team_id = Uuid::new_v4();
        switch_tenant(tx, Tenant::member(user_id, team_id)).await?;
        let team_name = format!("{display_name}'s team");
        store::insert_team(tx, team_id, &team_name, true, user_id).await?;
        audit::record(
            tx,
            audit::Entry {
                team_id: Some(team_id),
                actor: Some(user_id),
                action: "user.signed_up",
                target: Some(("user", user_id.to_string())),
                detail: serde_json::json!({ "via": via }),
                ip: client.ip,
            },
        )
        .await?;
        Ok(Some((user_id, team_id)))
    }

    pub async fn sign_in(
        &self,
        email: Email,
        password: Password,
        client: &ClientInfo,
    ) -> Result<SignInStep, ServerError> {
        if let Some(retry_after_secs) = attempts::SIGN_IN_FAILURES
            .check(&self.cache, email.as_str(), client.ip)
            .await?
        {
            return Err(AppError::RateLimited { retry_after_secs }.into());
        }
        let mut tx = tenant::begin(&self.db, Tenant::default()).await?;
        refuse_where_sso_is_required(&mut tx, email.as_str()).await?;
        let user = store::user_by_email(&mut tx, email.as_str()).await?;
        let verified = match &user {
            Some(user) => {
                self.hasher
                    .verify(password.expose(), &user.password_hash)
                    .await?
            }
            None => {
                self.hasher.verify_nothing(password.expose()).await?;
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            attempts::SIGN_IN_FAILURES
                .record(&self.cache, email.as_str(), client.ip)
                .await?;
            audit::record(
                &mut tx,
                audit::Entry {
                    team_id: None,
                    actor: None,
                    action: "user.sign_in_failed",
                    target: None,
                    detail: serde_json::json!({ "email": email.as_str() }),
                    ip: client.ip,
                },
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::BadCredentials.into());
        };
        tx.commit().await?;
        self.open(user.id, &user.email, client, None).await
    }

    /// Opens the account of someone who proved who they are (a password, a provider):
    /// a session in `team` if they belong to it, else in their first team; or first the
    /// second factor.
    async fn open(
        &self,
        user_id: Uuid,
        email: &str,
        client: &ClientInfo,
        team: Option<Uuid>,
    ) -> Result<SignInStep, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::user(user_id)).await?;
        let teams = store::teams_of(&mut tx, user_id).await?;
        let second_factor = two_factor::is_enabled(&mut tx, user_id).await?;
        tenant::done_reading(tx);
        let chosen = teams.iter().find(|t| Some(t.id) == team);
        let Some(team) = chosen.or(teams.first()) else {
            return Err(AppError::Conflict(
                "Your account belongs to no team. Ask a team owner for an invitation.".into(),
            )
            .into());
        };
        if second_factor {
            // The failure count is cleared only once the code is right too.
            return self.challenge(user_id, team.id, email).await;
        }
        attempts::SIGN_IN_FAILURES.reset(&self.cache, email).await?;
        let session = self
            .sessions
            .create(&self.cache, user_id, team.id, client)
            .await?;
        Ok(SignInStep::SignedIn(session))
    }

    pub async fn sign_out(&self, token: &SessionToken) -> Result<(), ServerError> {
        Ok(self.sessions.revoke(&self.cache, token).await?)
    }

    pub async fn update_profile(
        &self,
        actor: &Actor,
        display_name: &str,
    ) -> Result<(), ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::of(actor)).await?;
        profile::set_display_name(&mut tx, actor.user_id, display_name).await?;
        Ok(tx.commit().await?)
    }

    pub async fn change_password(
        &self,
        token: &SessionToken,
        current: Password,
        new: Password,
    ) -> Result<(), ServerError> {
        let actor = self.actor(token, None).await?;
        let mut tx = tenant::begin(&self.db, Tenant::of(&actor)).await?;
        let user = store::user_by_id(&mut tx, actor.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !self
            .hasher
            .verify(current.expose(), &user.password_hash)
            .await?
        {
            return Err(AppError::invalid(
                "current_password",
                "That is not your current password.",
            )
            .into());
        }
        let hash = self.hasher.hash(new.expose()).await?;
        profile::set_password_hash(&mut tx, actor.user_id, &hash).await?;
        self.audit(&mut tx, &actor, "user.password_changed").await?;
        tx.commit().await?;
        Ok(self
            .sessions
            .revoke_all(&self.cache, actor.user_id, Some(token))
            .await?)
    }

    pub async fn export_data(&self, actor: &Actor) -> Result<String, ServerError> {
        Ok(self.export(actor).await?.to_string())
    }

    pub async fn delete_account(
        &self,
        token: &SessionToken,
        confirmation: &str,
    ) -> Result<(), ServerError> {
        let viewer = self.viewer(token).await?.ok_or(AppError::Unauthenticated)?;
        if !confirmation.eq_ignore_ascii_case(&viewer.email) {
            return Err(AppError::invalid(
                "confirmation",
                format!("Type {} exactly to confirm.", viewer.email),
            )
            .into());
        }
        // Check every team first, so that a refusal changes nothing.
        let mut shared = Vec::new();
        for team in &viewer.teams {
            let mut tx = tenant::begin(&self.db, Tenant::member(viewer.user_id, team.id)).await?;
            let (members, owners) = profile::headcount(&mut tx).await?;
            tx.commit().await?;
            if members > 1 && owners == 1 && team.role == app::auth::Role::Owner {
                return Err(AppError::Conflict(format!(
                    "You are the only owner of {}: make someone else an owner first.",
                    team.name
                ))
                .into());
            }
            if members > 1 {
                shared.push(team.id);
            }
        }
        let mut tx = tenant::begin(&self.db, Tenant::user(viewer.user_id)).await?;
        for team_id in shared {
            // Content in shared teams stays with the team; the membership goes.
            let actor = Actor {
                user_id: viewer.user_id,
                team_id,
                role: viewer.team.role,
                ip: None,
                api_key_id: None,
            };
            tenant::set(&mut tx, Tenant::member(viewer.user_id, team_id)).await?;
            self.audit(&mut tx, &actor, "user.deleted").await?;
            profile::leave(&mut tx, viewer.user_id).await?;
        }
        profile::anonymise(&mut tx, viewer.user_id).await?;
        two_factor::remove(&mut tx, viewer.user_id).await?;
        identities::forget(&mut tx, viewer.user_id).await?;
        tx.commit().await?;
        Ok(self
            .sessions
            .revoke_all(&self.cache, viewer.user_id, None)
            .await?)
    }

    /// The signed-in person's live sessions, the most recently used first.
    pub async fn sessions(&self, token: &SessionToken) -> Result<Vec<ActiveSession>, ServerError> {
        let session = self.signed_in(token).await?;
        let listed = self
            .sessions
            .list(&self.cache, session.user_id, token)
            .await?;
        let at = |secs: u64| {
            let secs = i64::try_from(secs).unwrap_or_default();
            chrono::DateTime::from_timestamp(secs, 0).map_or_else(String::new, crate::display::time)
        };
        Ok(listed
            .into_iter()
            .map(|l| ActiveSession {
                device: devices::describe(l.session.user_agent.as_deref()),
                address: l.session.ip,
                signed_in: at(l.session.created_at),
                last_seen: at(l.session.last_seen.max(l.session.created_at)),
                current: l.current,
                id: l.id,
            })
            .collect())
    }

    /// Ends one of the person's other sessions (404 for an id that is not theirs).
    pub async fn end_session(
        &self,
        token: &SessionToken,
        id: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let session = self.signed_in(token).await?;
        if !self
            .sessions
            .revoke_by_id(&self.cache, session.user_id, id)
            .await?
        {
            return Err(AppError::NotFound.into());
        }
        self.record(session.user_id, "user.session_ended", client)
            .await
    }

    /// Ends every session of the person but this one.
    pub async fn end_other_sessions(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let session = self.signed_in(token).await?;
        self.sessions
            .revoke_all(&self.cache, session.user_id, Some(token))
            .await?;
        self.record(session.user_id, "user.signed_out_elsewhere", client)
            .await
    }

    /// Counts one request against `limits`, refused (429) once past them.
    async fn within(
        &self,
        limits: &attempts::Limits,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        match limits.take(&self.cache, email, client.ip).await? {
            Some(retry_after_secs) => Err(AppError::RateLimited { retry_after_secs }.into()),
            None => Ok(()),
        }
    }

    /// A security event of the person, in the audit log of each of their teams.
    async fn record(
        &self,
        user_id: Uuid,
        action: &str,
        client: &ClientInfo,
    ) -> Result<(), ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::user(user_id)).await?;
        let detail = serde_json::json!({});
        record_in_each_team(&mut tx, user_id, action, detail, client.ip).await?;
        Ok(tx.commit().await?)
    }

    pub async fn switch_team(
        &self,
        token: &SessionToken,
        team_id: Uuid,
    ) -> Result<(), ServerError> {
        let viewer = self.viewer(token).await?.ok_or(AppError::Unauthenticated)?;
        // Another team's id looks exactly like a team that does not exist.
        if !viewer.teams.iter().any(|t| t.id == team_id) {
            return Err(AppError::NotFound.into());
        }
        Ok(self
            .sessions
            .switch_team(&self.cache, token, team_id)
            .await?)
    }
}

/// What binds a value sealed for a session to it: the token's digest, shaped as the
/// keyring's context id (the token itself never leaves the cookie).
fn session_context(token: &SessionToken) -> Uuid {
    let digest = crate::crypto::sha256(&token.0);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// The web app's and the API's view: each answer's error mapped once, here.
#[async_trait]
impl Accounts for AccountsService {
    fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    fn seal_for_session(&self, token: &SessionToken, text: &str) -> Option<String> {
        self.keyring
            .seal_to_string(session_context(token), text)
            .ok()
    }

    fn open_for_session(&self, token: &SessionToken, sealed: &str) -> Option<String> {
        self.keyring
            .open_string(session_context(token), sealed)
            .ok()
    }

    async fn viewer(&self, token: &SessionToken) -> Result<Option<Viewer>, AppError> {
        Ok(AccountsService::viewer(self, token).await?)
    }

    async fn sign_up(
        &self,
        input: SignUpInput,
        client: &ClientInfo,
    ) -> Result<NewSession, AppError> {
        Ok(AccountsService::sign_up(self, input, client).await?)
    }

    async fn sign_in(
        &self,
        email: Email,
        password: Password,
        client: &ClientInfo,
    ) -> Result<SignInStep, AppError> {
        Ok(AccountsService::sign_in(self, email, password, client).await?)
    }

    async fn sign_out(&self, token: &SessionToken) -> Result<(), AppError> {
        Ok(AccountsService::sign_out(self, token).await?)
    }

    async fn request_password_reset(
        &self,
        email: Email,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(AccountsService::request_password_reset(self, email, client).await?)
    }

    async fn reset_link_is_live(&self, token: &str) -> Result<bool, AppError> {
        Ok(AccountsService::reset_link_is_live(self, token).await?)
    }

    async fn reset_password(
        &self,
        token: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(AccountsService::reset_password(self, token, password, client).await?)
    }

    async fn resend_verification(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(AccountsService::resend_verification(self, token, client).await?)
    }

    async fn verify_link_is_live(&self, token: &str) -> Result<bool, AppError> {
        Ok(AccountsService::verify_link_is_live(self, token).await?)
    }

    async fn verify_email(&self, token: &str, client: &ClientInfo) -> Result<(), AppError> {
        Ok(AccountsService::verify_email(self, token, client).await?)
    }

    async fn request_email_change(
        &self,
        token: &SessionToken,
        new: Email,
        password: Password,
        client: &ClientInfo,
    ) -> Result<EmailChange, AppError> {
        Ok(AccountsService::request_email_change(self, token, new, password, client).await?)
    }

    async fn email_change_link_is_live(&self, token: &str) -> Result<bool, AppError> {
        Ok(AccountsService::email_change_link_is_live(self, token).await?)
    }

    async fn confirm_email_change(&self, token: &str, client: &ClientInfo) -> Result<(), AppError> {
        Ok(AccountsService::confirm_email_change(self, token, client).await?)
    }

    fn identity_providers(&self) -> Vec<IdentityProvider> {
        self.identity_providers
            .iter()
            .map(|(id, label)| IdentityProvider {
                id: id.clone(),
                label: label.clone(),
            })
            .collect()
    }

    async fn linked_identities(
        &self,
        token: &SessionToken,
    ) -> Result<Vec<LinkedIdentity>, AppError> {
        Ok(AccountsService::linked_identities(self, token).await?)
    }

    async fn unlink_identity(
        &self,
        token: &SessionToken,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(AccountsService::unlink_identity(self, token, id, client).await?)
    }

    async fn sessions(&self, token: &SessionToken) -> Result<Vec<ActiveSession>, AppError> {
        Ok(AccountsService::sessions(self, token).await?)
    }

    async fn end_session(
        &self,
        token: &SessionToken,
        id: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(AccountsService::end_session(self, token, id, client).await?)
    }

    async fn end_other_sessions(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        Ok(AccountsService::end_other_sessions(self, token, client).await?)
    }

    async fn update_profile(&self, actor: &Actor, display_name: &str) -> Result<(), AppError> {
        Ok(AccountsService::update_profile(self, actor, display_name).await?)
    }

    async fn change_password(
        &self,
        token: &SessionToken,
        current: Password,
        new: Password,
    ) -> Result<(), AppError> {
        Ok(AccountsService::change_password(self, token, current, new).await?)
    }

    async fn export_data(&self, actor: &Actor) -> Result<String, AppError> {
        Ok(AccountsService::export_data(self, actor).await?)
    }

    async fn delete_account(
        &self,
        token: &SessionToken,
        confirmation: &str,
    ) -> Result<(), AppError> {
        Ok(AccountsService::delete_account(self, token, confirmation).await?)
    }

    async fn switch_team(&self, token: &SessionToken, team_id: Uuid) -> Result<(), AppError> {
        Ok(AccountsService::switch_team(self, token, team_id).await?)
    }
}

/// Passwords are not for the people of a domain whose team requires its own sign-in.
async fn refuse_where_sso_is_required(tx: &mut tenant::Tx, email: &str) -> Result<(), ServerError> {
    match crate::team_sso::required_for(tx, email).await? {
        Some(team) => Err(AppError::Conflict(format!(
            "{} signs in through its own identity provider: use “Sign in with single sign-on”.",
            team.team_name
        ))
        .into()),
        None => Ok(()),
    }
}

async fn switch_tenant(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    tenant: Tenant,
) -> Result<(), ServerError> {
    Ok(tenant::set(tx, tenant).await?)
}

/// Records `action` by the user in each of their teams (so each team's admins see it),
/// or once without a team when they have none.
async fn record_in_each_team(
    tx: &mut tenant::Tx,
    user_id: Uuid,
    action: &str,
    detail: serde_json::Value,
    ip: Option<std::net::IpAddr>,
) -> Result<(), ServerError> {
    tenant::set(tx, Tenant::user(user_id)).await?;
    let teams = store::teams_of(tx, user_id).await?;
    let team_ids = teams.iter().map(|team| Some(team.id));
    for team_id in team_ids.chain(teams.is_empty().then_some(None)) {
        if let Some(team_id) = team_id {
            tenant::set(tx, Tenant::member(user_id, team_id)).await?;
        }
        let target = Some(("user", user_id.to_string()));
        let entry = audit::Entry {
            team_id,
            actor: Some(user_id),
            action,
            target,
            detail: detail.clone(),
            ip,
        };
        audit::record(tx, entry).await?;
    }
    Ok(())
}
