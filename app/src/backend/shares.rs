use std::net::IpAddr;

use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::conversations::{PostedMessage, PublicChat, ShareLink, ShareSettings};
use crate::error::AppError;

/// Agents' public share links: their settings (admins and owners), and the chat anyone
/// with a link may have, known only by a cookie (`visitor`).
#[async_trait]
pub trait Shares: Send + Sync + 'static {
    async fn link(&self, actor: &Actor, agent_id: Uuid) -> Result<Option<ShareLink>, AppError>;
    /// Turns the link on or off and sets its daily budget (the first time, makes it).
    async fn set(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        settings: &ShareSettings,
    ) -> Result<ShareLink, AppError>;
    /// A new address; the old one stops working at once.
    async fn rotate(&self, actor: &Actor, agent_id: Uuid) -> Result<ShareLink, AppError>;
    /// A new visitor's cookie value.
    fn new_visitor(&self) -> String;
    async fn chat(
        &self,
        token: &str,
        visitor: Option<&str>,
        open: Option<Uuid>,
    ) -> Result<PublicChat, AppError>;
    /// A visitor's message: in a new conversation, or the next in one of theirs.
    async fn say(
        &self,
        token: &str,
        visitor: &str,
        address: Option<IpAddr>,
        conversation: Option<Uuid>,
        content: &str,
    ) -> Result<PostedMessage, AppError>;
    /// Stops the turn of `run`, one of the visitor's own.
    async fn stop(&self, token: &str, visitor: &str, run: Uuid) -> Result<(), AppError>;
}
