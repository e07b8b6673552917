//! Thin transports over the backend's share links: the settings page's forms (admins
//! and owners) and the public chat's (anyone with the link).

use leptos::prelude::*;
use uuid::Uuid;

use super::{PostedMessage, PublicChat, ShareLink};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "share/get")]
pub async fn get_share_link(agent_id: Uuid) -> Result<Option<ShareLink>, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::shares()?
                .link(&backend::actor().await?, agent_id)
                .await
        }
        .await,
    )
}

/// Saves the link's settings: the boxes ticked or not, the budget in dollars, the
/// allowed sites one a line.
#[server(prefix = "/api", endpoint = "share/save")]
pub async fn save_share(
    agent_id: Uuid,
    enabled: Option<String>,
    daily_budget_usd: String,
    #[server(default)] allowed_origins: String,
    signed_users_only: Option<String>,
) -> Result<ShareLink, AppError> {
    use crate::backend;
    use crate::spec::MicroUsd;
    let saved = async {
        let daily_budget = MicroUsd::parse_usd(daily_budget_usd.trim())
            .map_err(|problem| AppError::invalid("daily_budget_usd", problem))?;
        let settings = super::ShareSettings {
            enabled: enabled.is_some(),
            daily_budget,
            allowed_origins: Some(allowed_origins.lines().map(str::to_owned).collect()),
            signed_users_only: Some(signed_users_only.is_some()),
        };
        backend::shares()?
            .set(&backend::actor().await?, agent_id, &settings)
            .await
    }
    .await;
    backend::respond_to_form(
        saved,
        &[
            ("daily_budget_usd", &daily_budget_usd),
            ("allowed_origins", &allowed_origins),
        ],
    )
}

#[server(prefix = "/api", endpoint = "share/rotate")]
pub async fn rotate_share(agent_id: Uuid) -> Result<ShareLink, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::shares()?
                .rotate(&backend::actor().await?, agent_id)
                .await
        }
        .await,
    )
}

/// A new embed secret: tokens signed with the old one stop working at once.
#[server(prefix = "/api", endpoint = "share/rotate-embed-secret")]
pub async fn rotate_embed_secret(agent_id: Uuid) -> Result<ShareLink, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::shares()?
                .rotate_embed_secret(&backend::actor().await?, agent_id)
                .await
        }
        .await,
    )
}

/// Who the visitor is: the embedded chat's `session` (carried in its links and forms),
/// else their cookie on the link's own page.
#[cfg(feature = "ssr")]
fn visitor_pass(session: Option<String>) -> Option<super::VisitorPass> {
    super::VisitorPass::of(
        session,
        crate::backend::cookies::read(super::VISITOR_COOKIE),
    )
}

#[server(prefix = "/api", endpoint = "c/view")]
pub async fn get_public_chat(
    token: String,
    open: Option<Uuid>,
    session: Option<String>,
) -> Result<PublicChat, AppError> {
    use crate::backend;
    let pass = visitor_pass(session);
    backend::respond(async { backend::shares()?.chat(&token, pass.as_ref(), open).await }.await)
}

/// A visitor's message; a first visit gets its cookie here. Opens the conversation,
/// where the answer streams in.
#[server(prefix = "/api", endpoint = "c/say")]
pub async fn public_say(
    token: String,
    conversation: Option<Uuid>,
    content: String,
    session: Option<String>,
) -> Result<PostedMessage, AppError> {
    use crate::backend;
    /// A year: a visitor finds their conversations again on their next visit.
    const VISITOR_MAX_AGE_SECS: u64 = 365 * 24 * 3600;
    let said = async {
        let shares = backend::shares()?;
        let pass = match visitor_pass(session.clone()) {
            Some(pass) => pass,
            None => {
                let visitor = shares.new_visitor();
                let secure = backend::accounts()?.secure_cookies();
                backend::cookies::write(
                    super::VISITOR_COOKIE,
                    &visitor,
                    "/",
                    VISITOR_MAX_AGE_SECS,
                    secure,
                );
                super::VisitorPass::Cookie(visitor)
            }
        };
        let address = backend::client_info().ip;
        shares
            .say(&token, &pass, address, conversation, &content)
            .await
    }
    .await;
    let said = backend::respond_to_form(said, &[("content", &content)]);
    if let Ok(posted) = &said {
        let page = format!("/c/{token}/{}", posted.conversation_id);
        leptos_axum::redirect(&super::with_session(&page, session.as_deref()));
    }
    said
}

/// Stops the answer to one of the visitor's messages.
#[server(prefix = "/api", endpoint = "c/stop")]
pub async fn public_stop(
    token: String,
    run: Uuid,
    session: Option<String>,
) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let pass = visitor_pass(session).ok_or(AppError::NotFound)?;
            backend::shares()?.stop(&token, &pass, run).await
        }
        .await,
    )
}
