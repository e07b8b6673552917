//! JSON downloads for the signed-in user, as plain links (they work without
//! JavaScript): `GET /settings/profile/export` (the user's data) and
//! `GET /conversations/{id}/export` (a conversation and all its messages).

use app::backend::{Actor, ClientInfo};
use app::error::AppError;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use uuid::Uuid;

use super::guard;
use crate::state::AppState;

pub async fn account(State(state): State<AppState>, request: Request) -> Response {
    const PAGE: &str = "/settings/profile";
    let exported = match signed_in(&state, &request).await {
        Ok(actor) => state.accounts.export(&actor).await.map_err(AppError::from),
        Err(error) => Err(error),
    };
    json_file(exported, "agent-factory-data.json", PAGE)
}

pub async fn conversation(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    request: Request,
) -> Response {
    #[derive(Serialize)]
    struct Export {
        conversation: app::conversations::Conversation,
        messages: Vec<app::conversations::ChatMessage>,
    }
    let exported = match signed_in(&state, &request).await {
        Ok(actor) => state
            .conversations
            .export(&actor, id)
            .await
            .map(|(conversation, messages)| Export {
                conversation,
                messages,
            })
            .map_err(AppError::from),
        Err(error) => Err(error),
    };
    let page = match &exported {
        Ok(export) => format!("/agents/{}/chat/{id}", export.conversation.agent_id),
        Err(_) => "/agents".to_string(),
    };
    json_file(exported, &format!("conversation-{id}.json"), &page)
}

/// The signed-in caller (the request is read before waiting: it is not `Sync`).
pub(super) fn signed_in(
    state: &AppState,
    request: &Request,
) -> impl Future<Output = Result<Actor, AppError>> + Send + use<> {
    let token = guard::cookie_token(request.headers());
    let ip = request.extensions().get::<ClientInfo>().and_then(|c| c.ip);
    let accounts = state.accounts.clone();
    async move {
        let token = token.ok_or(AppError::Unauthenticated)?;
        accounts.actor(&token, ip).await
    }
}

/// The download, or where a visitor who is not signed in goes (back to `page` after).
fn json_file<T: Serialize>(exported: Result<T, AppError>, name: &str, page: &str) -> Response {
    match exported {
        Ok(data) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            serde_json::to_string_pretty(&data).unwrap_or_default(),
        )
            .into_response(),
        Err(AppError::Unauthenticated) => {
            Redirect::to(&format!("/signin?next={page}")).into_response()
        }
        Err(error) => (
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            error.to_string(),
        )
            .into_response(),
    }
}
