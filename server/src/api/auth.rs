//! Who is calling the API: a bearer API key, or the web app's own session cookie.
//! [`identify`] runs first on every `/v1` request and leaves an [`Identity`] for the
//! rate limiter and the handlers; handlers that need a caller take [`Caller`]. Only
//! the routes [`is_public`] names are answered without one.

use app::api_keys::Scope;
use app::auth::Role;
use app::backend::Actor;
use app::error::AppError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::Problem;
use crate::http::guard::cookie_token;
use crate::state::AppState;
use app::billing::PlanTier;

#[derive(Debug, Clone)]
pub struct Caller {
    /// Acts as this member of this team; `actor.api_key_id` is the key used, if any.
    pub actor: Actor,
    pub scopes: Vec<Scope>,
    pub plan: PlanTier,
    /// The key's monthly gateway budget, when it has one.
    pub monthly_budget_micro_usd: Option<i64>,
    /// The key's response-cache setting, when it has one.
    pub cache_ttl: Option<std::time::Duration>,
}

impl Caller {
    /// Refuses a caller without `scope` (a session has the scopes its role allows).
    /// Scopes nest: `admin` includes `run`, which includes `read`. An admin operation
    /// also needs an admin's role: a key acts with no more than its creator's role today.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if !self.scopes.iter().any(|held| *held >= scope) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "missing-scope",
                "Forbidden",
                format!("This key lacks the `{}` scope.", scope.as_str()),
            ));
        }
        if scope == Scope::Admin && self.actor.role < Role::Admin {
            return Err(AppError::Forbidden.into());
        }
        Ok(())
    }

    /// Whether [`Caller::require`] admits the caller.
    pub fn permits(&self, scope: Scope) -> bool {
        self.require(scope).is_ok()
    }
}

/// When the request reached the API (the gateway reports its own added latency).
#[derive(Debug, Clone, Copy)]
pub struct Arrived(pub std::time::Instant);

#[derive(Debug, Clone)]
pub enum Identity {
    Caller(Box<Caller>),
    /// No credentials: public endpoints only, rate-limited by address.
    Anonymous,
    /// Credentials that did not check out: every endpoint but the public ones says 401.
    Rejected,
}

pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    request
        .extensions_mut()
        .insert(Arrived(std::time::Instant::now()));
    match identity(&state, request.headers()).await {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(problem) => problem.into_response(),
    }
}

/// The API key a request presents: `Authorization: Bearer …`, or `x-api-key` as
/// Anthropic's SDKs send it. `Some("")` for a header that holds no key.
fn presented_key(headers: &axum::http::HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default(),
        );
    }
    headers
        .get("x-api-key")
        .map(|value| value.to_str().unwrap_or_default())
}

async fn identity(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Identity, Problem> {
    if let Some(key) = presented_key(headers) {
        if key.is_empty() {
            return Ok(Identity::Rejected);
        }
        return Ok(match state.api_keys.authenticate(key.trim()).await? {
            Some(key) => Identity::Caller(Box::new(Caller {
                actor: key.actor,
                scopes: key.scopes,
                plan: key.plan,
                monthly_budget_micro_usd: key.monthly_budget_micro_usd,
                cache_ttl: key.cache_ttl,
            })),
            None => Identity::Rejected,
        });
    }
    let Some(token) = cookie_token(headers) else {
        return Ok(Identity::Anonymous);
    };
    let actor = match state.accounts.actor(&token, None).await {
        Ok(actor) => actor,
        Err(AppError::Unauthenticated) => return Ok(Identity::Rejected),
        Err(error) => return Err(error.into()),
    };
    let scopes = if actor.role >= Role::Admin {
        Scope::ALL.to_vec()
    } else {
        vec![Scope::Read, Scope::Run]
    };
    Ok(Identity::Caller(Box::new(Caller {
        plan: state.teams.plan(actor.team_id).await?,
        actor,
        scopes,
        monthly_budget_micro_usd: None,
        cache_ttl: None,
    })))
}

/// The `/v1` paths anyone may call: the public marketplace and this API's own document
/// (their routes take GET only; other methods get 405 from the router). Everything
/// else — every route added later, and unknown paths — answers 401 to a caller without
/// valid credentials before any handler runs.
pub fn is_public(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["openapi.json"] | ["templates"] | ["templates", _]
    )
}

/// Closes `/v1` by default (see [`is_public`]).
pub async fn require_caller(request: Request, next: Next) -> Response {
    let identified = matches!(
        request.extensions().get::<Identity>(),
        Some(Identity::Caller(_))
    );
    if identified || is_public(request.uri().path()) {
        next.run(request).await
    } else {
        Problem::unauthenticated().into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        match parts.extensions.get::<Identity>() {
            Some(Identity::Caller(caller)) => {
                let mut caller = (**caller).clone();
                caller.actor.ip = parts
                    .extensions
                    .get::<app::backend::ClientInfo>()
                    .and_then(|info| info.ip);
                Ok(caller)
            }
            _ => Err(Problem::unauthenticated()),
        }
    }
}
