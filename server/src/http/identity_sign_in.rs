//! `/auth/<provider>/start` and `/auth/<provider>/callback`: the two legs of signing in
//! (or linking an identity) through a provider. Plain redirects, so they work without
//! JavaScript; every refusal lands on a page that says why (`?sso=<code>`).

use app::backend::{ClientInfo, SignInStep, session_cookie};
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard;
use crate::identity::IdentityError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
    /// Link to the signed-in account instead of signing in.
    link: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<StartQuery>,
    request: Request,
) -> Response {
    let next = app::safe_redirect::local_path_or(query.next.as_deref(), "/dashboard");
    let link_to = if query.link.is_some() {
        let session = match guard::cookie_token(request.headers()) {
            Some(token) => state.accounts.session(&token).await.ok().flatten(),
            None => None,
        };
        let Some(session) = session else {
            return Redirect::to("/signin?next=/settings/profile").into_response();
        };
        Some(session.user_id)
    } else {
        None
    };
    let back = if link_to.is_some() {
        "/settings/profile"
    } else {
        "/signin"
    };
    match state.identity.begin(&provider, link_to, next).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => refused(back, &error),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The provider's own refusal (the person cancelled, or it declined).
    error: Option<String>,
}

impl CallbackQuery {
    /// The code and the `state`; `None` when the provider sent the person back without
    /// them (cancelled, declined).
    pub(super) fn answer(self) -> Option<(String, String)> {
        match (self.code, self.state, self.error) {
            (Some(code), Some(state), None) => Some((code, state)),
            _ => None,
        }
    }
}

/// Where the request came from (the server's middleware put it there).
pub(super) fn client_of(request: &Request) -> ClientInfo {
    request
        .extensions()
        .get::<ClientInfo>()
        .cloned()
        .unwrap_or_default()
}

pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<CallbackQuery>,
    request: Request,
) -> Response {
    let client = client_of(&request);
    let Some((code, flow)) = query.answer() else {
        return Redirect::to("/signin?sso=cancelled").into_response();
    };
    let (pending, identity) = match state.identity.finish(&provider, &code, &flow).await {
        Ok(done) => done,
        Err(error) => return refused("/signin", &error),
    };
    let secure = state.config.secure_cookies;
    if let Some(user_id) = pending.link_to {
        return match state
            .accounts
            .link_identity(user_id, &identity, &client)
            .await
        {
            Ok(Ok(())) => Redirect::to("/settings/profile?linked=1").into_response(),
            Ok(Err(refusal)) => {
                Redirect::to(&format!("/settings/profile?sso={}", refusal.code())).into_response()
            }
            Err(error) => failed("/settings/profile", &error),
        };
    }
    match state
        .accounts
        .sign_in_with_identity(&identity, &client)
        .await
    {
        Ok(Ok(step)) => signed_in(step, &pending.next, secure),
        Ok(Err(refusal)) => {
            Redirect::to(&format!("/signin?sso={}", refusal.code())).into_response()
        }
        Err(error) => failed("/signin", &error),
    }
}

/// In (the session cookie, then `next`), or on to the second factor.
pub(super) fn signed_in(step: SignInStep, next: &str, secure: bool) -> Response {
    match step {
        SignInStep::SignedIn(session) => (
            [(
                header::SET_COOKIE,
                session_cookie::session_header(&session, secure),
            )],
            Redirect::to(next),
        )
            .into_response(),
        SignInStep::NeedsCode(challenge) => (
            [(
                header::SET_COOKIE,
                session_cookie::challenge_header(&challenge, secure),
            )],
            Redirect::to(&session_cookie::code_page(next)),
        )
            .into_response(),
    }
}

/// Back to `page`, saying why; the reason itself goes to the log only.
pub(super) fn refused(page: &str, error: &IdentityError) -> Response {
    tracing::warn!(%error, "sign-in through an identity provider refused");
    Redirect::to(&format!("{page}?sso={}", error.code())).into_response()
}

pub(super) fn failed(page: &str, error: &crate::errors::ServerError) -> Response {
    tracing::error!(?error, "sign-in through an identity provider failed");
    Redirect::to(&format!("{page}?sso=unavailable")).into_response()
}
