//! Who is calling the API: a bearer API key, or the web app's own session cookie.

use app::api_keys::Scope;
use app::auth::Role;
use app::backend::{Actor, Backend};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use uuid::Uuid;

use super::problem::Problem;
use crate::http::guard::cookie_token;
use crate::state::AppState;

pub struct Caller {
    pub actor: Actor,
    pub scopes: Vec<Scope>,
    /// The key used, when a key was used (the gateway records usage per key).
    pub key_id: Option<Uuid>,
}

impl Caller {
    /// Refuses a key without `scope` (a session has the scopes its role allows).
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(Problem::new(
                axum::http::StatusCode::FORBIDDEN,
                "missing-scope",
                "Forbidden",
                format!("This key lacks the `{}` scope.", scope.as_str()),
            ))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let key = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(Problem::unauthenticated)?;
            let caller = state
                .api_keys
                .authenticate(key.trim())
                .await?
                .ok_or_else(Problem::unauthenticated)?;
            return Ok(Caller {
                actor: caller.actor,
                scopes: caller.scopes,
                key_id: Some(caller.key_id),
            });
        }
        let token = cookie_token(&parts.headers).ok_or_else(Problem::unauthenticated)?;
        let viewer = state
            .accounts
            .viewer(&token)
            .await?
            .ok_or_else(Problem::unauthenticated)?;
        let scopes = if viewer.team.role >= Role::Admin {
            Scope::ALL.to_vec()
        } else {
            vec![Scope::Read, Scope::Run]
        };
        Ok(Caller {
            actor: Actor {
                user_id: viewer.user_id,
                team_id: viewer.team.id,
                role: viewer.team.role,
                ip: None,
            },
            scopes,
            key_id: None,
        })
    }
}
