//! The application's operations as one interface (server side only). `server`
//! implements it once; the server functions here and the REST handlers there are thin
//! transports over it.

mod agents;
mod api_keys;
mod billing;
mod conversations;
pub mod cookies;
mod dashboard;
pub mod flash;
pub mod form_refill;
mod knowledge;
mod marketplace;
mod providers;
pub mod session_cookie;
mod shares;
mod team_sso;
mod teams;
mod two_factor;
mod webhooks;

pub use agents::Agents;
pub use api_keys::ApiKeys;
pub use billing::Billing;
pub use conversations::Conversations;
pub use dashboard::Dashboards;
pub use knowledge::Knowledge;
pub use marketplace::Marketplace;
pub use providers::Providers;
pub use shares::Shares;
pub use team_sso::TeamSso;
pub use teams::Teams;
pub use two_factor::TwoFactor;
pub use webhooks::Webhooks;

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::use_context;

use uuid::Uuid;

use crate::auth::{Email, Password, Role, SignUpInput, Viewer};
use crate::error::AppError;
use crate::profile::{ActiveSession, EmailChange, IdentityProvider, LinkedIdentity};

/// Where a request came from; the server puts it in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// The opaque value of the session cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// A session just created, for the cookie.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: SessionToken,
    pub max_age_secs: u64,
}

/// Where a right password leads: in, or to the second factor first.
#[derive(Debug, Clone)]
pub enum SignInStep {
    SignedIn(NewSession),
    /// The account uses two-factor: this short-lived challenge (for a cookie) and a code
    /// complete the sign-in ([`TwoFactor::complete_sign_in`]).
    NeedsCode(Challenge),
}

/// A sign-in waiting for its second factor.
#[derive(Clone)]
pub struct Challenge {
    pub token: String,
    pub max_age_secs: u64,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Challenge([redacted])")
    }
}

#[async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Whether session cookies must carry `Secure` (the site is served over https).
    fn secure_cookies(&self) -> bool;
    /// `text` sealed so that only this session can open it again (cookie-safe text).
    fn seal_for_session(&self, token: &SessionToken, text: &str) -> Option<String>;
    /// What [`Accounts::seal_for_session`] sealed for this session; `None` for anything
    /// else.
    fn open_for_session(&self, token: &SessionToken, sealed: &str) -> Option<String>;
    async fn viewer(&self, token: &SessionToken) -> Result<Option<Viewer>, AppError>;
    async fn sign_up(
        &self,
        input: SignUpInput,
        client: &ClientInfo,
    ) -> Result<NewSession, AppError>;
    async fn sign_in(
        &self,
        email: Email,
        password: Password,
        client: &ClientInfo,
    ) -> Result<SignInStep, AppError>;
    async fn sign_out(&self, token: &SessionToken) -> Result<(), AppError>;
    /// Queues a password-reset link to the address if it has an account, answering the
    /// same either way; refused while email is off.
    async fn request_password_reset(
        &self,
        email: Email,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Whether a reset link would be accepted now.
    async fn reset_link_is_live(&self, token: &str) -> Result<bool, AppError>;
    /// Sets the password of the link's account, spends the link and ends every session.
    async fn reset_password(
        &self,
        token: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Sends the signed-in person's verification link again.
    async fn resend_verification(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Whether a verification link would be accepted now.
    async fn verify_link_is_live(&self, token: &str) -> Result<bool, AppError>;
    /// Records that the link's account reads mail at the address it was sent to.
    async fn verify_email(&self, token: &str, client: &ClientInfo) -> Result<(), AppError>;
    /// Asks to move the account to `new` (the current password confirms): a link to the
    /// new address while email is on, at once otherwise.
    async fn request_email_change(
        &self,
        token: &SessionToken,
        new: Email,
        password: Password,
        client: &ClientInfo,
    ) -> Result<EmailChange, AppError>;
    /// Whether a new-address link would be accepted now.
    async fn email_change_link_is_live(&self, token: &str) -> Result<bool, AppError>;
    /// Moves the link's account to the address the link was sent to.
    async fn confirm_email_change(&self, token: &str, client: &ClientInfo) -> Result<(), AppError>;
    /// The identity providers people may sign in with (none unless configured).
    fn identity_providers(&self) -> Vec<IdentityProvider>;
    /// The providers the signed-in person signs in with.
    async fn linked_identities(
        &self,
        token: &SessionToken,
    ) -> Result<Vec<LinkedIdentity>, AppError>;
    /// Unlinks one, unless it is the person's last way to sign in.
    async fn unlink_identity(
        &self,
        token: &SessionToken,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// The signed-in person's live sessions, the most recently used first.
    async fn sessions(&self, token: &SessionToken) -> Result<Vec<ActiveSession>, AppError>;
    /// Ends one of the person's sessions, by its id in that list.
    async fn end_session(
        &self,
        token: &SessionToken,
        id: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Ends every session of the person but the one asking.
    async fn end_other_sessions(
        &self,
        token: &SessionToken,
        client: &ClientInfo,
    ) -> Result<(), AppError>;
    /// Acts in another of the user's teams from now on.
    async fn switch_team(&self, token: &SessionToken, team_id: Uuid) -> Result<(), AppError>;
    async fn update_profile(&self, actor: &Actor, display_name: &str) -> Result<(), AppError>;
    /// Changes the password and ends every other session of the user.
    async fn change_password(
        &self,
        token: &SessionToken,
        current: Password,
        new: Password,
    ) -> Result<(), AppError>;
    /// Everything about the user, as a JSON document.
    async fn export_data(&self, actor: &Actor) -> Result<String, AppError>;
    /// Anonymises the account at once (the confirmation must be the account's email);
    /// what only the user could see is purged 30 days later.
    async fn delete_account(
        &self,
        token: &SessionToken,
        confirmation: &str,
    ) -> Result<(), AppError>;
}

pub type SharedAccounts = Arc<dyn Accounts>;
pub type SharedTeams = Arc<dyn Teams>;
pub type SharedProviders = Arc<dyn Providers>;
pub type SharedAgents = Arc<dyn Agents>;
pub type SharedApiKeys = Arc<dyn ApiKeys>;
pub type SharedWebhooks = Arc<dyn Webhooks>;
pub type SharedDashboards = Arc<dyn Dashboards>;
pub type SharedMarketplace = Arc<dyn Marketplace>;
pub type SharedBilling = Arc<dyn Billing>;
pub type SharedTwoFactor = Arc<dyn TwoFactor>;
pub type SharedTeamSso = Arc<dyn TeamSso>;
pub type SharedConversations = Arc<dyn Conversations>;
pub type SharedShares = Arc<dyn Shares>;
pub type SharedKnowledge = Arc<dyn Knowledge>;

/// The signed-in caller of an operation, as the session says: who, in which team, with
/// which role.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub team_id: Uuid,
    pub role: Role,
    pub ip: Option<IpAddr>,
    /// The API key the request came with; `None` for the web app's own calls.
    pub api_key_id: Option<Uuid>,
}

/// The caller of this request; `Unauthenticated` without a live session.
pub async fn actor() -> Result<Actor, AppError> {
    let token = session_cookie::read().ok_or(AppError::Unauthenticated)?;
    let viewer = accounts()?
        .viewer(&token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if viewer.needs_two_factor {
        return Err(AppError::TwoFactorRequired {
            team: viewer.team.name,
        });
    }
    Ok(Actor {
        user_id: viewer.user_id,
        team_id: viewer.team.id,
        role: viewer.team.role,
        ip: client_info().ip,
        api_key_id: None,
    })
}

pub fn teams() -> Result<SharedTeams, AppError> {
    use_context::<SharedTeams>().ok_or(AppError::Internal)
}

pub fn agents() -> Result<SharedAgents, AppError> {
    use_context::<SharedAgents>().ok_or(AppError::Internal)
}

pub fn api_keys() -> Result<SharedApiKeys, AppError> {
    use_context::<SharedApiKeys>().ok_or(AppError::Internal)
}

pub fn dashboards() -> Result<SharedDashboards, AppError> {
    use_context::<SharedDashboards>().ok_or(AppError::Internal)
}

pub fn marketplace() -> Result<SharedMarketplace, AppError> {
    use_context::<SharedMarketplace>().ok_or(AppError::Internal)
}

pub fn billing() -> Result<SharedBilling, AppError> {
    use_context::<SharedBilling>().ok_or(AppError::Internal)
}

/// The caller if signed in, `None` otherwise (public pages that show more to members).
pub async fn maybe_actor() -> Result<Option<Actor>, AppError> {
    match actor().await {
        Ok(actor) => Ok(Some(actor)),
        // Public pages show a member who still owes their team a second factor what
        // they show anyone.
        Err(AppError::Unauthenticated | AppError::TwoFactorRequired { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

pub fn conversations() -> Result<SharedConversations, AppError> {
    use_context::<SharedConversations>().ok_or(AppError::Internal)
}

pub fn shares() -> Result<SharedShares, AppError> {
    use_context::<SharedShares>().ok_or(AppError::Internal)
}

pub fn knowledge() -> Result<SharedKnowledge, AppError> {
    use_context::<SharedKnowledge>().ok_or(AppError::Internal)
}

pub fn webhooks() -> Result<SharedWebhooks, AppError> {
    use_context::<SharedWebhooks>().ok_or(AppError::Internal)
}

pub fn providers() -> Result<SharedProviders, AppError> {
    use_context::<SharedProviders>().ok_or(AppError::Internal)
}

pub fn two_factor() -> Result<SharedTwoFactor, AppError> {
    use_context::<SharedTwoFactor>().ok_or(AppError::Internal)
}

pub fn team_sso() -> Result<SharedTeamSso, AppError> {
    use_context::<SharedTeamSso>().ok_or(AppError::Internal)
}

/// Accounts and sessions, as the server provided them for this request.
pub fn accounts() -> Result<SharedAccounts, AppError> {
    use_context::<SharedAccounts>().ok_or(AppError::Internal)
}

/// Gives a server function's error its proper HTTP status (server functions answer
/// 500 for every error otherwise). A plain HTML form post (no JavaScript) gets a
/// redirect back to the form instead, with the error in its URL (Leptos sends it; the
/// page's `ServerAction` reads it).
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    respond_to_form(result, &[])
}

/// [`respond`], and when a page's form posted it, the answer kept for that page to show
/// once after the redirect ([`flash`]; read there with `components::shown_once`).
pub fn respond_in_place<T: serde::Serialize>(
    name: &'static str,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    respond_in_place_to_form(name, result, &[])
}

/// [`respond_in_place`], keeping these submitted fields for the form to fill in again
/// when the post failed (as [`respond_to_form`]).
pub fn respond_in_place_to_form<T: serde::Serialize>(
    name: &'static str,
    result: Result<T, AppError>,
    fields: &[(&str, &str)],
) -> Result<T, AppError> {
    if let Ok(value) = &result
        && from_html_form()
    {
        flash::keep(name, value);
    }
    respond_to_form(result, fields)
}

/// [`respond`], keeping these submitted fields for the form to fill in again when a
/// post without JavaScript failed (`form_refill`).
pub fn respond_to_form<T>(
    result: Result<T, AppError>,
    fields: &[(&str, &str)],
) -> Result<T, AppError> {
    if let Err(error) = &result {
        if from_html_form() {
            form_refill::remember(fields);
        } else {
            let status = http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(status);
            }
        }
    }
    result
}

fn from_html_form() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// The caller's address and agent, as the server recorded them.
pub fn client_info() -> ClientInfo {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientInfo>().cloned())
        .unwrap_or_default()
}
