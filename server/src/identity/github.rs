//! GitHub speaks OAuth 2, not OpenID Connect: no ID token, so who signed in comes from
//! its API (`/user` for the numeric id and name, `/user/emails` for the addresses it
//! verified), with the token the code exchange gave. PKCE and the `state` work as for
//! the other providers. Both base URLs are settings, so a stand-in can take GitHub's
//! place in tests.

use oauth2::basic::BasicClient;
use openidconnect::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenUrl,
};
use serde::Deserialize;

use super::http::GuardedOidcHttp;
use super::{IdentityError, ProviderSettings, VerifiedIdentity};
use crate::errors::chain;
use crate::ssrf::OutboundRequest;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Where GitHub is: its web site (sign-in, tokens) and its API.
#[derive(Debug, Clone)]
pub struct GitHubBases {
    pub web: String,
    pub api: String,
}

fn client(
    settings: &ProviderSettings,
    bases: &GitHubBases,
    redirect: RedirectUrl,
) -> Result<Client, IdentityError> {
    let url = |path: &str| format!("{}{path}", bases.web);
    let unusable = |_| IdentityError::Provider("GitHub's address".into());
    Ok(BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            settings.client_secret.expose().to_owned(),
        ))
        .set_auth_uri(AuthUrl::new(url("/login/oauth/authorize")).map_err(unusable)?)
        .set_token_uri(TokenUrl::new(url("/login/oauth/access_token")).map_err(unusable)?)
        .set_redirect_uri(redirect)
        // GitHub takes the client's credentials in the form, as its documentation says.
        .set_auth_type(AuthType::RequestBody))
}

/// GitHub's sign-in page for this attempt, its `state`, and the PKCE verifier to keep.
pub fn authorize(
    settings: &ProviderSettings,
    bases: &GitHubBases,
    redirect: RedirectUrl,
) -> Result<(String, String, String), IdentityError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client(settings, bases, redirect)?
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read:user".into()))
        .add_scope(Scope::new("user:email".into()))
        .set_pkce_challenge(challenge)
        .url();
    Ok((
        url.to_string(),
        state.secret().clone(),
        verifier.secret().clone(),
    ))
}

#[derive(Debug, Deserialize)]
struct User {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Address {
    email: String,
    primary: bool,
    verified: bool,
}

/// Trades the code for a token and asks GitHub who it belongs to.
pub async fn finish(
    settings: &ProviderSettings,
    bases: &GitHubBases,
    redirect: RedirectUrl,
    http: &GuardedOidcHttp,
    code: &str,
    pkce_verifier: String,
) -> Result<VerifiedIdentity, IdentityError> {
    let token = client(settings, bases, redirect)?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(http)
        .await
        .map_err(|e| IdentityError::Provider(chain(&e)))?;
    let bearer = token.access_token().secret();
    let user: User = api(http, bases, "/user", bearer).await?;
    let addresses: Vec<Address> = api(http, bases, "/user/emails", bearer).await?;
    let primary = addresses.iter().find(|a| a.primary);
    let verified = primary
        .filter(|a| a.verified)
        .or_else(|| addresses.iter().find(|a| a.verified));
    Ok(VerifiedIdentity {
        provider: settings.id.clone(),
        label: settings.label.clone(),
        issuer: bases.web.clone(),
        subject: user.id.to_string(),
        verified_email: verified.map(|a| a.email.to_lowercase()),
        claimed_email: primary.map(|a| a.email.to_lowercase()),
        name: user
            .name
            .filter(|n| !n.trim().is_empty())
            .or(Some(user.login)),
    })
}

async fn api<T: serde::de::DeserializeOwned>(
    http: &GuardedOidcHttp,
    bases: &GitHubBases,
    path: &str,
    bearer: &str,
) -> Result<T, IdentityError> {
    let response = http
        .0
        .send(OutboundRequest {
            method: reqwest::Method::GET,
            url: format!("{}{path}", bases.api),
            headers: vec![
                ("authorization".into(), format!("Bearer {bearer}")),
                ("accept".into(), "application/vnd.github+json".into()),
                ("x-github-api-version".into(), "2022-11-28".into()),
            ],
            body: None,
            follow_redirects: false,
        })
        .await
        .map_err(|e| IdentityError::Provider(e.to_string()))?;
    if response.status != 200 {
        return Err(IdentityError::Provider(format!(
            "GitHub {path} answered {}",
            response.status
        )));
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| IdentityError::Provider(format!("GitHub {path}: {e}")))
}
