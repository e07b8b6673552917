//! The web app's view of conversations (`app::backend::Conversations`): the chat page
//! put together (the caller's conversations with the agent, the open one's messages
//! with each answer's Markdown rendered and each turn's steps), and a conversation's
//! export.

use std::collections::HashMap;

use app::backend::{Actor, Conversations};
use app::conversations::{
    ChatEntry, ChatMessage, ChatQuery, ChatView, Conversation, NewConversation, OpenConversation,
    PostedMessage, Speaker,
};
use app::error::AppError;
use app::runs::{RunStatus, StepRecord};
use async_trait::async_trait;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{ConversationsService, HeldBy};
use crate::db::tenant::Tenant;
use crate::errors::ServerError;
use crate::markdown::{self, Images};
use crate::runs::store;

impl ConversationsService {
    pub async fn chat_view(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        query: &ChatQuery,
    ) -> Result<ChatView, ServerError> {
        let spec = self.agent_spec(actor, agent_id).await?;
        let tenant = Tenant::of(actor);
        let listed = self
            .list(
                tenant,
                Some(agent_id),
                query.archived,
                HeldBy::Member(actor.user_id),
                query.older.as_deref(),
            )
            .await?;
        let open = match query.open {
            Some(id) => Some(self.open_as(tenant, agent_id, id, query.before).await?),
            None => None,
        };
        Ok(ChatView {
            agent_id,
            agent_name: spec.name,
            inputs: spec.inputs,
            conversations: listed.conversations,
            older: listed.next_before,
            open,
        })
    }

    /// A conversation with the agent, its latest messages (or those before `before`).
    pub(super) async fn open_as(
        &self,
        tenant: Tenant,
        agent_id: Uuid,
        id: Uuid,
        before: Option<i32>,
    ) -> Result<OpenConversation, ServerError> {
        let team_id = tenant.team_id.ok_or(AppError::Internal)?;
        let conversation = self.get(tenant, id).await?;
        // Another agent's conversation is not this page's.
        if conversation.agent_id != agent_id {
            return Err(AppError::NotFound.into());
        }
        let page = self.messages(tenant, id, before).await?;
        let runs: Vec<Uuid> = page.messages.iter().filter_map(|m| m.run_id).collect();
        let mut steps = store::steps_of(&self.db, team_id, &runs).await?;
        let answering = page
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Speaker::User)
            .filter(|m| m.status.is_some_and(|status| !status.is_final()))
            .and_then(|m| m.run_id);
        let entries = page
            .messages
            .into_iter()
            .map(|message| entry(message, &mut steps))
            .collect();
        Ok(OpenConversation {
            conversation,
            entries,
            earlier: page.next_before,
            answering,
        })
    }

    /// The conversation and all its messages, oldest first.
    pub async fn export(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Conversation, Vec<ChatMessage>), ServerError> {
        let tenant = Tenant::of(actor);
        let conversation = self.get(tenant, id).await?;
        let mut messages = Vec::new();
        let mut before = None;
        loop {
            let page = self.messages(tenant, id, before).await?;
            messages.splice(0..0, page.messages);
            match page.next_before {
                Some(seq) => before = Some(seq),
                None => break,
            }
        }
        Ok((conversation, messages))
    }
}

/// A message as the page shows it: the agent's Markdown rendered, and the turn's steps
/// on the message that ends the turn.
fn entry(message: ChatMessage, steps: &mut HashMap<Uuid, Vec<StepRecord>>) -> ChatEntry {
    let ends_turn = match message.role {
        Speaker::Assistant => true,
        // A person's message ends its turn when no answer came.
        Speaker::User => matches!(
            message.status,
            Some(RunStatus::Failed | RunStatus::Cancelled)
        ),
    };
    let steps = message
        .run_id
        .filter(|_| ends_turn)
        .and_then(|run| steps.remove(&run))
        .unwrap_or_default();
    let html = match message.role {
        Speaker::Assistant => markdown::render(&message.content, Images::AsLinks),
        Speaker::User => String::new(),
    };
    ChatEntry {
        message,
        html,
        steps,
    }
}

/// Each answer's error mapped once, here.
#[async_trait]
impl Conversations for ConversationsService {
    async fn chat(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        query: &ChatQuery,
    ) -> Result<ChatView, AppError> {
        Ok(self.chat_view(actor, agent_id, query).await?)
    }

    async fn start(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        inputs: Map<String, Value>,
        content: &str,
    ) -> Result<PostedMessage, AppError> {
        let new = NewConversation {
            title: None,
            inputs,
        };
        Ok(ConversationsService::start(self, actor, agent_id, new, content).await?)
    }

    async fn say(&self, actor: &Actor, id: Uuid, content: &str) -> Result<PostedMessage, AppError> {
        Ok(ConversationsService::say(self, actor, id, content).await?)
    }

    async fn regenerate(&self, actor: &Actor, id: Uuid) -> Result<PostedMessage, AppError> {
        Ok(ConversationsService::regenerate(self, actor, id).await?)
    }

    async fn rename(&self, actor: &Actor, id: Uuid, title: &str) -> Result<(), AppError> {
        Ok(ConversationsService::rename(self, actor, id, title).await?)
    }

    async fn archive(&self, actor: &Actor, id: Uuid, archived: bool) -> Result<(), AppError> {
        Ok(ConversationsService::archive(self, actor, id, archived).await?)
    }

    async fn export(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Conversation, Vec<ChatMessage>), AppError> {
        Ok(ConversationsService::export(self, actor, id).await?)
    }
}
