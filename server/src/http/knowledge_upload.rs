//! `POST /knowledge/{id}/upload`: the knowledge base page's file form, a plain
//! multipart post (no client code), answered with a redirect back to the page and the
//! outcome kept for it to show once — the queued document, or why the file was refused.

use app::backend::{Accounts, flash};
use app::error::AppError;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::{downloads, guard};
use crate::state::AppState;

pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    request: Request,
) -> Response {
    let page = format!("/knowledge/{id}");
    let token = guard::cookie_token(request.headers());
    let actor = match downloads::signed_in(&state, &request).await {
        Ok(actor) => actor,
        Err(_) => return Redirect::to(&format!("/signin?next={page}")).into_response(),
    };
    let outcome = match Multipart::from_request(request, &state).await {
        Err(rejection) => Err(format!(
            "The file could not be read: {}",
            rejection.body_text()
        )),
        Ok(multipart) => match crate::api::read_upload(multipart).await {
            Err(problem) => Err(problem.detail().to_string()),
            Ok(document) => state
                .knowledge
                .upload(&actor, id, document)
                .await
                .map_err(|error| AppError::from(error).to_string()),
        },
    };
    let cookie = token.and_then(|token| {
        let accounts: &dyn Accounts = state.accounts.as_ref();
        match &outcome {
            Ok(uploaded) => flash::cookie(accounts, &token, "document-upload", uploaded, &page),
            Err(message) => {
                flash::cookie(accounts, &token, "document-upload-refused", message, &page)
            }
        }
    });
    let mut response = Redirect::to(&page).into_response();
    if let Some(cookie) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
