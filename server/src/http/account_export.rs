//! `GET /settings/profile/export`: the signed-in user's data as a JSON download. A
//! plain link, so it works without JavaScript.

use app::backend::ClientInfo;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::guard;
use crate::state::AppState;

pub async fn download(State(state): State<AppState>, request: Request) -> Response {
    let token = guard::cookie_token(request.headers());
    let ip = request.extensions().get::<ClientInfo>().and_then(|c| c.ip);
    let Some(token) = token else {
        return Redirect::to("/signin?next=/settings/profile").into_response();
    };
    let exported: Result<_, AppError> = match state.accounts.actor(&token, ip).await {
        Ok(actor) => state.accounts.export(&actor).await.map_err(AppError::from),
        Err(error) => Err(error),
    };
    match exported {
        Ok(data) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"agent-factory-data.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&data).unwrap_or_default(),
        )
            .into_response(),
        Err(AppError::Unauthenticated) => {
            Redirect::to("/signin?next=/settings/profile").into_response()
        }
        Err(error) => (
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            error.to_string(),
        )
            .into_response(),
    }
}
