use std::net::IpAddr;

use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::conversations::{PostedMessage, PublicChat, ShareLink, ShareSettings, VisitorPass};
use crate::error::AppError;

/// Agents' public share links: their settings (admins and owners), and the chat anyone
/// with a link may have, known by a cookie or by the session an embedding site passes.
#[async_trait]
pub trait Shares: Send + Sync + 'static {
    async fn link(&self, actor: &Actor, agent_id: Uuid) -> Result<Option<ShareLink>, AppError>;
    /// Turns the link on or off and sets its daily budget and where it may be embedded
    /// (the first time, makes it).
    async fn set(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        settings: &ShareSettings,
    ) -> Result<ShareLink, AppError>;
    /// A new address; the old one stops working at once.
    async fn rotate(&self, actor: &Actor, agent_id: Uuid) -> Result<ShareLink, AppError>;
    /// A new embed secret; tokens signed with the old one are refused at once.
    async fn rotate_embed_secret(
        &self,
        actor: &Actor,
        agent_id: Uuid,
    ) -> Result<ShareLink, AppError>;
    /// A new visitor's cookie value.
    fn new_visitor(&self) -> String;
    async fn chat(
        &self,
        token: &str,
        pass: Option<&VisitorPass>,
        open: Option<Uuid>,
    ) -> Result<PublicChat, AppError>;
    /// A visitor's message: in a new conversation, or the next in one of theirs.
    async fn say(
        &self,
        token: &str,
        pass: &VisitorPass,
        address: Option<IpAddr>,
        conversation: Option<Uuid>,
        content: &str,
    ) -> Result<PostedMessage, AppError>;
    /// Stops the turn of `run`, one of the visitor's own.
    async fn stop(&self, token: &str, pass: &VisitorPass, run: Uuid) -> Result<(), AppError>;
}
