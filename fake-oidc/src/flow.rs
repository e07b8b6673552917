//! The authorization-code flow with PKCE: the sign-in page (`/authorize`), the code it
//! hands back, and the token endpoint that trades the code for an ID token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::keys::{Keys, base64url, sha256};

/// What a sign-in page asks the tokens to get wrong, so tests can watch the app refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    #[default]
    None,
    WrongNonce,
    WrongAudience,
    Expired,
    BadSignature,
}

pub struct Provider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub keys: Keys,
    grants: Mutex<HashMap<String, Grant>>,
    /// Who each access token was issued to (GitHub's API answers from it).
    people: Mutex<HashMap<String, Person>>,
}

/// Who signed in, as the sign-in page said.
#[derive(Debug, Clone)]
pub struct Person {
    pub email: String,
    pub name: String,
    pub email_verified: bool,
}

impl Provider {
    /// The person behind a request's `Authorization: Bearer` token.
    pub fn bearer(&self, headers: &HeaderMap) -> Option<Person> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let token = value.strip_prefix("Bearer ")?;
        self.people.lock().ok()?.get(token).cloned()
    }
}

impl Provider {
    pub fn new(issuer: String, client_id: String, client_secret: String, keys: Keys) -> Self {
        Provider {
            issuer,
            client_id,
            client_secret,
            keys,
            grants: Mutex::new(HashMap::new()),
            people: Mutex::new(HashMap::new()),
        }
    }
}

/// A code handed out and not yet traded.
struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    challenge: String,
    email: String,
    name: String,
    email_verified: bool,
    fault: Fault,
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

pub async fn authorize_page(
    State(provider): State<Arc<Provider>>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    if let Err(problem) = check(&provider, &query) {
        return (StatusCode::BAD_REQUEST, problem).into_response();
    }
    let hidden = |name: &str, value: &str| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            html_escape::encode_quoted_attribute(value)
        )
    };
    let fields = [
        hidden("client_id", &query.client_id),
        hidden("redirect_uri", &query.redirect_uri),
        hidden("state", &query.state),
        hidden("nonce", query.nonce.as_deref().unwrap_or_default()),
        hidden(
            "code_challenge",
            query.code_challenge.as_deref().unwrap_or_default(),
        ),
    ]
    .concat();
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Sign in · Fake OIDC</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}}label{{display:block;margin:.8rem 0 .2rem}}input[type=email],input[type=text],select{{width:100%;padding:.4rem}}button{{margin-top:1rem;padding:.5rem 1rem}}</style></head>
<body><h1>Fake OIDC</h1><p>A stand-in identity provider for local use. Sign in as anyone.</p>
<form method="post" action="/authorize">{fields}
<label for="email">Email</label><input id="email" name="email" type="email" required value="ada@example.com">
<label for="name">Name</label><input id="name" name="name" type="text" value="Ada Lovelace">
<label><input name="email_verified" type="checkbox" value="true" checked> The provider vouches for this email</label>
<label for="fault">Token fault (for tests)</label><select id="fault" name="fault"><option value="none">none</option><option value="wrong_nonce">wrong nonce</option><option value="wrong_audience">wrong audience</option><option value="expired">expired</option><option value="bad_signature">bad signature</option></select>
<button type="submit">Continue</button></form></body></html>"#
    ))
    .into_response()
}

fn check(provider: &Provider, query: &AuthorizeQuery) -> Result<(), String> {
    if query.response_type != "code" {
        return Err("response_type must be code".into());
    }
    if query.client_id != provider.client_id {
        return Err("unknown client_id".into());
    }
    if query.code_challenge.is_none() || query.code_challenge_method.as_deref() != Some("S256") {
        return Err("PKCE with S256 is required".into());
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct Consent {
    client_id: String,
    redirect_uri: String,
    state: String,
    #[serde(default)]
    nonce: String,
    code_challenge: String,
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email_verified: Option<String>,
    #[serde(default)]
    fault: Fault,
}

/// The person continues: a code for the app, back at its redirect URI.
pub async fn consent(State(provider): State<Arc<Provider>>, Form(form): Form<Consent>) -> Response {
    if form.client_id != provider.client_id {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let code = provider.keys.random_token();
    let grant = Grant {
        redirect_uri: form.redirect_uri.clone(),
        nonce: (!form.nonce.is_empty()).then_some(form.nonce),
        challenge: form.code_challenge,
        email: form.email,
        name: form.name,
        email_verified: form.email_verified.is_some(),
        fault: form.fault,
    };
    if let Ok(mut grants) = provider.grants.lock() {
        grants.insert(code.clone(), grant);
    }
    let state: String =
        percent_encoding::utf8_percent_encode(&form.state, percent_encoding::NON_ALPHANUMERIC)
            .collect();
    let separator = if form.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    Redirect::to(&format!(
        "{}{separator}code={code}&state={state}",
        form.redirect_uri
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub async fn token(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(request): Form<TokenRequest>,
) -> Response {
    let refuse = |status: StatusCode, error: &str| {
        (status, axum::Json(json!({ "error": error }))).into_response()
    };
    let client = basic_credentials(&headers)
        .or_else(|| request.client_id.clone().zip(request.client_secret.clone()));
    if client != Some((provider.client_id.clone(), provider.client_secret.clone())) {
        return refuse(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if request.grant_type != "authorization_code" {
        return refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    // A code works once, for the redirect URI it was issued to, with its PKCE verifier.
    let grant = provider
        .grants
        .lock()
        .ok()
        .and_then(|mut g| g.remove(&request.code));
    let Some(grant) = grant else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let verifier = request.code_verifier.unwrap_or_default();
    if grant.redirect_uri != request.redirect_uri
        || base64url(&sha256(&verifier)) != grant.challenge
    {
        return refuse(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let access_token = provider.keys.random_token();
    if let Ok(mut people) = provider.people.lock() {
        let person = Person {
            email: grant.email.clone(),
            name: grant.name.clone(),
            email_verified: grant.email_verified,
        };
        people.insert(access_token.clone(), person);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (iat, exp) = if grant.fault == Fault::Expired {
        (now - 3600, now - 600)
    } else {
        (now, now + 300)
    };
    let audience = if grant.fault == Fault::WrongAudience {
        "someone-else"
    } else {
        provider.client_id.as_str()
    };
    let nonce = match (grant.fault, grant.nonce) {
        (Fault::WrongNonce, nonce) => Some(format!("not-{}", nonce.unwrap_or_default())),
        (_, nonce) => nonce,
    };
    let claims = json!({
        "iss": provider.issuer,
        "sub": format!("fake-{}", &base64url(&sha256(&grant.email.to_lowercase()))[..12]),
        "aud": audience,
        "iat": iat,
        "exp": exp,
        "nonce": nonce,
        "email": grant.email,
        "email_verified": grant.email_verified,
        "name": grant.name,
        "at_hash": base64url(&sha256(&access_token)[..16]),
    });
    let Ok(id_token) = provider
        .keys
        .sign(&claims, grant.fault == Fault::BadSignature)
    else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    let body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "openid email profile",
        "id_token": id_token,
    });
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// `client_secret_basic`: the id and secret, each form-encoded, then base64.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}
