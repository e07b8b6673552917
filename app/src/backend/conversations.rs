use async_trait::async_trait;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Actor;
use crate::conversations::{ChatMessage, ChatQuery, ChatView, Conversation, PostedMessage};
use crate::error::AppError;

/// Conversations with agents as the web app uses them (members talk; each talks in
/// their own conversations).
#[async_trait]
pub trait Conversations: Send + Sync + 'static {
    /// The chat page of an agent: the caller's conversations with it, one open.
    async fn chat(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        query: &ChatQuery,
    ) -> Result<ChatView, AppError>;
    /// Starts a conversation with its first message, in one go (a refused message
    /// leaves no empty conversation behind); returns the conversation's id.
    async fn start(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        inputs: Map<String, Value>,
        content: &str,
    ) -> Result<PostedMessage, AppError>;
    async fn say(&self, actor: &Actor, id: Uuid, content: &str) -> Result<PostedMessage, AppError>;
    /// Answers the last message again, in place of its answer (or of its failed turn).
    async fn regenerate(&self, actor: &Actor, id: Uuid) -> Result<PostedMessage, AppError>;
    async fn rename(&self, actor: &Actor, id: Uuid, title: &str) -> Result<(), AppError>;
    async fn archive(&self, actor: &Actor, id: Uuid, archived: bool) -> Result<(), AppError>;
    /// The conversation and every message, for a download.
    async fn export(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Conversation, Vec<ChatMessage>), AppError>;
}
