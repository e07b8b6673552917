//! Team single sign-on's legs: `/sso/start?email=` finds the team by the email's
//! domain, `/sso/<team>` starts at a known team (a bookmark, the provider's app tile),
//! and `/sso/<team>/callback` is where the team's provider sends the browser back.
//! Plain redirects, like the operator's providers'; refusals land on `/sso?error=`.

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::identity_sign_in::{CallbackQuery, client_of, failed, refused, signed_in};
use crate::state::AppState;
use crate::team_sso::Unavailable;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    email: Option<String>,
    next: Option<String>,
}

/// `/sso?error=<code>`, keeping the email typed.
fn back(code: &str, email: Option<&str>) -> Response {
    let email = email
        .map(|email| format!("&email={}", percent(email)))
        .unwrap_or_default();
    Redirect::to(&format!("/sso?error={code}{email}")).into_response()
}

fn percent(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub async fn by_email(State(state): State<AppState>, Query(query): Query<StartQuery>) -> Response {
    let email = query.email.unwrap_or_default().trim().to_lowercase();
    let team = match state.team_sso.team_for_email(&email).await {
        Ok(team) => team,
        Err(error) => return failed("/sso", &error),
    };
    let Some(team) = team else {
        return back("unknown_domain", Some(&email));
    };
    begin(&state, team.team_id, query.next.as_deref()).await
}

pub async fn by_team(
    State(state): State<AppState>,
    Path(team_id): Path<Uuid>,
    Query(query): Query<StartQuery>,
) -> Response {
    begin(&state, team_id, query.next.as_deref()).await
}

async fn begin(state: &AppState, team_id: Uuid, next: Option<&str>) -> Response {
    let next = app::safe_redirect::local_path_or(next, "/dashboard");
    let provider = match state.team_sso.provider_of(team_id).await {
        Ok(Ok((provider, _))) => provider,
        Ok(Err(unavailable)) => return back(code_of(unavailable), None),
        Err(error) => return failed("/sso", &error),
    };
    match state.identity.begin_team(provider, next).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => refused("/sso", &error),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    Path(team_id): Path<Uuid>,
    Query(query): Query<CallbackQuery>,
    request: Request,
) -> Response {
    let client = client_of(&request);
    let Some((code, flow)) = query.answer() else {
        return back("cancelled", None);
    };
    let (provider, default_role) = match state.team_sso.provider_of(team_id).await {
        Ok(Ok(found)) => found,
        Ok(Err(unavailable)) => return back(code_of(unavailable), None),
        Err(error) => return failed("/sso", &error),
    };
    let (pending, identity) = match state.identity.finish_team(provider, &code, &flow).await {
        Ok(done) => done,
        Err(error) => return refused("/sso", &error),
    };
    match state
        .accounts
        .sign_in_through_team(team_id, default_role, &identity, &client)
        .await
    {
        Ok(Ok(step)) => signed_in(step, &pending.next, state.config.secure_cookies),
        Ok(Err(refusal)) => back(refusal.code(), None),
        Err(error) => failed("/sso", &error),
    }
}

fn code_of(unavailable: Unavailable) -> &'static str {
    match unavailable {
        Unavailable::NotSetUp => "unknown_domain",
        Unavailable::NotEnterprise => "not_enterprise",
    }
}
