//! Thin transports over the backend's conversation operations, posted by the chat
//! page's plain forms (each comes back to the page it was posted from).

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use super::{ChatQuery, ChatView, PostedMessage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "chat/view")]
pub async fn get_chat(agent_id: Uuid, query: ChatQuery) -> Result<ChatView, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::conversations()?
                .chat(&backend::actor().await?, agent_id, &query)
                .await
        }
        .await,
    )
}

/// A new conversation from its first message (and the agent's inputs, given once);
/// opens it, where the answer streams in.
#[server(prefix = "/api", endpoint = "chat/start")]
pub async fn start_chat(
    agent_id: Uuid,
    content: String,
    values: Option<HashMap<String, String>>,
) -> Result<PostedMessage, AppError> {
    use crate::backend;
    let values = values.unwrap_or_default();
    let started = async {
        let actor = backend::actor().await?;
        let agent = backend::agents()?.get(&actor, agent_id).await?;
        let inputs = crate::spec::inputs_from_form(&agent.inputs, &values)
            .map_err(|problems| AppError::invalid("input", problems.join("; ")))?;
        backend::conversations()?
            .start(&actor, agent_id, inputs, &content)
            .await
    }
    .await;
    // A refused first message comes back to the form with what was typed.
    let mut typed: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    typed.push(("content", &content));
    let started = backend::respond_to_form(started, &typed);
    if let Ok(posted) = &started {
        leptos_axum::redirect(&format!(
            "/agents/{agent_id}/chat/{}",
            posted.conversation_id
        ));
    }
    started
}

/// The next message of a conversation.
#[server(prefix = "/api", endpoint = "chat/say")]
pub async fn send_message(conversation: Uuid, content: String) -> Result<PostedMessage, AppError> {
    use crate::backend;
    let said = async {
        backend::conversations()?
            .say(&backend::actor().await?, conversation, &content)
            .await
    }
    .await;
    backend::respond_to_form(said, &[("content", &content)])
}

/// The last message answered again, in place of its answer.
#[server(prefix = "/api", endpoint = "chat/regenerate")]
pub async fn regenerate_answer(conversation: Uuid) -> Result<PostedMessage, AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::conversations()?
                .regenerate(&backend::actor().await?, conversation)
                .await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "chat/rename")]
pub async fn rename_conversation(conversation: Uuid, title: String) -> Result<(), AppError> {
    use crate::backend;
    let renamed = async {
        backend::conversations()?
            .rename(&backend::actor().await?, conversation, &title)
            .await
    }
    .await;
    backend::respond_to_form(renamed, &[("title", &title)])
}

/// Archives a conversation (`archived` = "true") or restores it.
#[server(prefix = "/api", endpoint = "chat/archive")]
pub async fn archive_conversation(conversation: Uuid, archived: bool) -> Result<(), AppError> {
    use crate::backend;
    backend::respond(
        async {
            backend::conversations()?
                .archive(&backend::actor().await?, conversation, archived)
                .await
        }
        .await,
    )
}
