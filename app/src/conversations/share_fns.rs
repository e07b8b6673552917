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

/// Saves the link's settings: `enabled` ticked or not, the budget in dollars.
#[server(prefix = "/api", endpoint = "share/save")]
pub async fn save_share(
    agent_id: Uuid,
    enabled: Option<String>,
    daily_budget_usd: String,
) -> Result<ShareLink, AppError> {
    use crate::backend;
    use crate::spec::MicroUsd;
    let saved = async {
        let daily_budget = MicroUsd::parse_usd(daily_budget_usd.trim())
            .map_err(|problem| AppError::invalid("daily_budget_usd", problem))?;
        let settings = super::ShareSettings {
            enabled: enabled.is_some(),
            daily_budget,
        };
        backend::shares()?
            .set(&backend::actor().await?, agent_id, &settings)
            .await
    }
    .await;
    backend::respond_to_form(saved, &[("daily_budget_usd", &daily_budget_usd)])
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

#[server(prefix = "/api", endpoint = "c/view")]
pub async fn get_public_chat(token: String, open: Option<Uuid>) -> Result<PublicChat, AppError> {
    use crate::backend;
    let visitor = backend::cookies::read(super::VISITOR_COOKIE);
    backend::respond(
        async {
            backend::shares()?
                .chat(&token, visitor.as_deref(), open)
                .await
        }
        .await,
    )
}

/// A visitor's message; a first visit gets its cookie here. Opens the conversation,
/// where the answer streams in.
#[server(prefix = "/api", endpoint = "c/say")]
pub async fn public_say(
    token: String,
    conversation: Option<Uuid>,
    content: String,
) -> Result<PostedMessage, AppError> {
    use crate::backend;
    /// A year: a visitor finds their conversations again on their next visit.
    const VISITOR_MAX_AGE_SECS: u64 = 365 * 24 * 3600;
    let said = async {
        let shares = backend::shares()?;
        let visitor = match backend::cookies::read(super::VISITOR_COOKIE) {
            Some(visitor) => visitor,
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
                visitor
            }
        };
        let address = backend::client_info().ip;
        shares
            .say(&token, &visitor, address, conversation, &content)
            .await
    }
    .await;
    let said = backend::respond_to_form(said, &[("content", &content)]);
    if let Ok(posted) = &said {
        leptos_axum::redirect(&format!("/c/{token}/{}", posted.conversation_id));
    }
    said
}

/// Stops the answer to one of the visitor's messages.
#[server(prefix = "/api", endpoint = "c/stop")]
pub async fn public_stop(token: String, run: Uuid) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            let visitor =
                backend::cookies::read(super::VISITOR_COOKIE).ok_or(AppError::NotFound)?;
            backend::shares()?.stop(&token, &visitor, run).await
        }
        .await,
    )
}
