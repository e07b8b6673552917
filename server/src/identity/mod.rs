//! Sign-in through identity providers: Google and any OpenID Connect provider an
//! operator configures. The browser goes to the provider with a fresh `state`, `nonce`
//! and PKCE challenge ([`pending`]); the provider sends it back with a code, which we
//! trade for an ID token whose signature (the provider's published keys), issuer,
//! audience, expiry and nonce openidconnect checks. What comes out is a
//! [`VerifiedIdentity`]: the accounts decide what it may open.
//!
//! Besides the operator's providers, a team may bring its own ([`TeamProvider`], team
//! single sign-on): the same flow, its requests under the plain SSRF guard.

mod github;
mod http;
mod pending;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::errors::chain;
use crate::redis_client::{RedisClient, RedisClientError};
use crate::ssrf::GuardedHttp;
pub use github::GitHubBases;
use http::GuardedOidcHttp;
pub use pending::Pending;

/// How long a provider's discovery document (and its keys) is trusted before it is
/// fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(60 * 60);

/// One provider, as the operator configured it.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// In our URLs: `/auth/<id>/start`.
    pub id: String,
    /// On buttons: "Continue with" and this.
    pub label: String,
    pub kind: ProviderKind,
    pub client_id: String,
    pub client_secret: crate::config::Secret,
}

#[derive(Debug, Clone)]
pub enum ProviderKind {
    /// OpenID Connect, discovered at `<issuer>/.well-known/openid-configuration`.
    Oidc { issuer: String },
    /// GitHub's OAuth 2 and API.
    GitHub(GitHubBases),
}

impl ProviderSettings {
    /// Where the provider is, for the SSRF guard's allowlist: the operator chose it.
    pub fn addresses(&self) -> Vec<&str> {
        match &self.kind {
            ProviderKind::Oidc { issuer } => vec![issuer],
            ProviderKind::GitHub(bases) => vec![&bases.web, &bases.api],
        }
    }
}

/// Someone a provider vouched for.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub provider: String,
    pub label: String,
    pub issuer: String,
    pub subject: String,
    /// The email, only when the provider says it verified it.
    pub verified_email: Option<String>,
    /// The email it named, verified or not.
    pub claimed_email: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("no such identity provider")]
    UnknownProvider,
    /// The `state` is unknown: too slow, replayed, or never ours.
    #[error("the sign-in expired or was already used")]
    Expired,
    #[error("the identity provider could not be used: {0}")]
    Provider(String),
    /// The provider's answer did not verify (signature, issuer, audience, expiry, nonce).
    #[error("the identity provider's answer was refused: {0}")]
    Refused(String),
    #[error("session store")]
    Sessions(#[from] RedisClientError),
}

impl IdentityError {
    /// What the sign-in page says (`/signin?sso=<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::UnknownProvider | IdentityError::Expired => "expired",
            IdentityError::Provider(_) | IdentityError::Sessions(_) => "unavailable",
            IdentityError::Refused(_) => "refused",
        }
    }
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointMaybeSet,
>;

struct Provider {
    settings: ProviderSettings,
    /// Our path the provider sends the browser back to.
    callback: String,
    /// The client built from the provider's discovery document, and when.
    client: RwLock<Option<(Client, Instant)>>,
}

/// A team's own provider (team single sign-on), as the team configured it.
pub struct TeamProvider {
    pub team_id: Uuid,
    /// On its sign-in records: the team's name.
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: crate::config::Secret,
}

/// What identities signed in through a team's own provider are linked as.
pub const TEAM_PROVIDER: &str = "sso";

fn team_callback(team_id: Uuid) -> String {
    format!("/sso/{team_id}/callback")
}

pub struct IdentityProviders {
    providers: Vec<Provider>,
    http: GuardedOidcHttp,
    /// For teams' providers: the SSRF guard without the operator's providers allowed
    /// (a team chooses its issuer; the operator did not).
    team_http: GuardedOidcHttp,
    /// Teams' providers met so far, by team, with their discovered clients.
    teams: RwLock<HashMap<Uuid, Arc<Provider>>>,
    cache: Arc<RedisClient>,
    /// Where providers send the browser back: `<public_url>/auth/<id>/callback`.
    public_url: String,
}

impl IdentityProviders {
    pub fn new(
        settings: Vec<ProviderSettings>,
        http: GuardedHttp,
        team_http: GuardedHttp,
        cache: Arc<RedisClient>,
        public_url: String,
    ) -> Self {
        IdentityProviders {
            providers: settings
                .into_iter()
                .map(|settings| Provider {
                    callback: format!("/auth/{}/callback", settings.id),
                    settings,
                    client: RwLock::new(None),
                })
                .collect(),
            http: GuardedOidcHttp(http),
            team_http: GuardedOidcHttp(team_http),
            teams: RwLock::default(),
            cache,
            public_url,
        }
    }

    /// `(id, label)` of each configured provider, for the sign-in buttons.
    pub fn list(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|p| (p.settings.id.clone(), p.settings.label.clone()))
            .collect()
    }

    /// The provider's address to send the browser to.
    pub async fn begin(
        &self,
        provider_id: &str,
        link_to: Option<Uuid>,
        next: String,
    ) -> Result<String, IdentityError> {
        let provider = self.provider(provider_id)?;
        self.begin_with(provider, &self.http, link_to, next).await
    }

    /// The address of a team's own provider to send the browser to.
    pub async fn begin_team(
        &self,
        team: TeamProvider,
        next: String,
    ) -> Result<String, IdentityError> {
        let provider = self.team_provider(team).await;
        self.begin_with(&provider, &self.team_http, None, next)
            .await
    }

    async fn begin_with(
        &self,
        provider: &Provider,
        http: &GuardedOidcHttp,
        link_to: Option<Uuid>,
        next: String,
    ) -> Result<String, IdentityError> {
        let (url, state, nonce, pkce_verifier) = match &provider.settings.kind {
            ProviderKind::Oidc { .. } => {
                let client = self.client(provider, http).await?;
                let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
                let (url, state, nonce) = client
                    .authorize_url(
                        CoreAuthenticationFlow::AuthorizationCode,
                        CsrfToken::new_random,
                        Nonce::new_random,
                    )
                    .add_scope(Scope::new("email".into()))
                    .add_scope(Scope::new("profile".into()))
                    .set_pkce_challenge(challenge)
                    .url();
                let (state, nonce) = (state.secret().clone(), nonce.secret().clone());
                (url.to_string(), state, nonce, verifier.secret().clone())
            }
            ProviderKind::GitHub(bases) => {
                let redirect = self.redirect(provider)?;
                let (url, state, verifier) =
                    github::authorize(&provider.settings, bases, redirect)?;
                (url, state, String::new(), verifier)
            }
        };
        let pending = Pending {
            provider: provider.settings.id.clone(),
            nonce,
            pkce_verifier,
            next,
            link_to,
        };
        pending::keep(&self.cache, &state, &pending).await?;
        Ok(url)
    }

    /// Trades the code for an ID token and checks it; the pending sign-in it completes,
    /// and who the provider vouched for.
    pub async fn finish(
        &self,
        provider_id: &str,
        code: &str,
        state: &str,
    ) -> Result<(Pending, VerifiedIdentity), IdentityError> {
        let pending = self.pending(provider_id, state).await?;
        let provider = self.provider(provider_id)?;
        let identity = match &provider.settings.kind {
            ProviderKind::Oidc { .. } => {
                self.finish_oidc(provider, &self.http, code, &pending)
                    .await?
            }
            ProviderKind::GitHub(bases) => {
                let redirect = self.redirect(provider)?;
                let verifier = pending.pkce_verifier.clone();
                let settings = &provider.settings;
                github::finish(settings, bases, redirect, &self.http, code, verifier).await?
            }
        };
        Ok((pending, identity))
    }

    /// Completes a sign-in through a team's own provider, as [`Self::finish`] does.
    pub async fn finish_team(
        &self,
        team: TeamProvider,
        code: &str,
        state: &str,
    ) -> Result<(Pending, VerifiedIdentity), IdentityError> {
        let provider = self.team_provider(team).await;
        let pending = self.pending(&provider.settings.id, state).await?;
        let mut identity = self
            .finish_oidc(&provider, &self.team_http, code, &pending)
            .await?;
        // Linked identities name the kind of provider; the issuer tells teams apart.
        identity.provider = TEAM_PROVIDER.to_owned();
        Ok((pending, identity))
    }

    /// The sign-in `state` began, if it was this provider's.
    async fn pending(&self, provider_id: &str, state: &str) -> Result<Pending, IdentityError> {
        pending::take(&self.cache, state)
            .await?
            .filter(|pending| pending.provider == provider_id)
            .ok_or(IdentityError::Expired)
    }

    async fn finish_oidc(
        &self,
        provider: &Provider,
        http: &GuardedOidcHttp,
        code: &str,
        pending: &Pending,
    ) -> Result<VerifiedIdentity, IdentityError> {
        let client = self.client(provider, http).await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(http)
            .await
            .map_err(|e| IdentityError::Provider(chain(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| IdentityError::Refused("no ID token in the answer".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .map_err(|e| IdentityError::Refused(e.to_string()))?;
        let claimed_email = claims.email().map(|e| e.as_str().to_lowercase());
        let verified_email = claimed_email
            .clone()
            .filter(|_| claims.email_verified() == Some(true));
        let identity = VerifiedIdentity {
            provider: provider.settings.id.clone(),
            label: provider.settings.label.clone(),
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            verified_email,
            claimed_email,
            name: claims
                .name()
                .and_then(|name| name.get(None))
                .map(|name| name.as_str().to_owned()),
        };
        Ok(identity)
    }

    /// Where the provider sends the browser back.
    fn redirect(&self, provider: &Provider) -> Result<RedirectUrl, IdentityError> {
        let url = format!("{}{}", self.public_url, provider.callback);
        RedirectUrl::new(url).map_err(|_| IdentityError::Provider("redirect URL".into()))
    }

    /// Reads a team's provider's discovery document: whether its settings can work.
    pub async fn discover_team(&self, team: TeamProvider) -> Result<(), IdentityError> {
        let provider = self.team_provider(team).await;
        self.client(&provider, &self.team_http).await.map(|_| ())
    }

    /// The address a team registers at its provider for the browser to come back to.
    pub fn team_callback_url(&self, team_id: Uuid) -> String {
        format!("{}{}", self.public_url, team_callback(team_id))
    }

    /// The team's provider, its client kept while the team's settings stay the same.
    async fn team_provider(&self, team: TeamProvider) -> Arc<Provider> {
        let settings = ProviderSettings {
            id: format!("sso-{}", team.team_id.simple()),
            label: team.label,
            kind: ProviderKind::Oidc {
                issuer: team.issuer,
            },
            client_id: team.client_id,
            client_secret: team.client_secret,
        };
        let same = |known: &ProviderSettings| {
            known.label == settings.label
                && known.client_id == settings.client_id
                && known.client_secret.expose() == settings.client_secret.expose()
                && matches!((&known.kind, &settings.kind), (
                    ProviderKind::Oidc { issuer: a },
                    ProviderKind::Oidc { issuer: b },
                ) if a == b)
        };
        if let Some(provider) = self.teams.read().await.get(&team.team_id)
            && same(&provider.settings)
        {
            return provider.clone();
        }
        let provider = Arc::new(Provider {
            settings,
            callback: team_callback(team.team_id),
            client: RwLock::new(None),
        });
        self.teams
            .write()
            .await
            .insert(team.team_id, provider.clone());
        provider
    }

    fn provider(&self, id: &str) -> Result<&Provider, IdentityError> {
        self.providers
            .iter()
            .find(|p| p.settings.id == id)
            .ok_or(IdentityError::UnknownProvider)
    }

    /// The provider's client, from its discovery document (fetched again after an hour).
    async fn client(
        &self,
        provider: &Provider,
        http: &GuardedOidcHttp,
    ) -> Result<Client, IdentityError> {
        if let Some((client, at)) = provider.client.read().await.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(client.clone());
        }
        let settings = &provider.settings;
        let unusable = |what: &str| IdentityError::Provider(what.to_owned());
        let ProviderKind::Oidc { issuer } = &settings.kind else {
            return Err(unusable("not an OpenID Connect provider"));
        };
        let issuer = IssuerUrl::new(issuer.clone()).map_err(|_| unusable("issuer URL"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| IdentityError::Provider(chain(&e)))?;
        let token_url = metadata
            .token_endpoint()
            .cloned()
            .ok_or_else(|| unusable("no token endpoint"))?;
        let redirect = self.redirect(provider)?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            Some(ClientSecret::new(
                settings.client_secret.expose().to_owned(),
            )),
        )
        .set_token_uri(token_url)
        .set_redirect_uri(redirect);
        *provider.client.write().await = Some((client.clone(), Instant::now()));
        Ok(client)
    }
}
