use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::error::AppError;
use crate::marketplace::{
    BrowseQuery, Earnings, Listing, PublishForm, PurchaseState, Redirect, TemplateView,
    TemplatesPage,
};

/// The marketplace: browsing is public; publishing, deploying, buying and reviewing act
/// for the signed-in team.
#[async_trait]
pub trait Marketplace: Send + Sync + 'static {
    async fn browse(&self, query: BrowseQuery) -> Result<TemplatesPage, AppError>;
    /// A published template by slug or id, with what the viewer's team may do with it.
    async fn template(&self, viewer: Option<&Actor>, slug: &str) -> Result<TemplateView, AppError>;
    /// The agent's listing, if it was ever published.
    async fn listing(&self, actor: &Actor, agent_id: Uuid) -> Result<Option<Listing>, AppError>;
    /// Publishes the agent's current version (a new template version when it changed).
    async fn publish(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        form: &PublishForm,
    ) -> Result<Listing, AppError>;
    async fn unpublish(&self, actor: &Actor, agent_id: Uuid) -> Result<(), AppError>;
    /// Creates an agent from the template in the actor's team; returns the agent's id.
    async fn deploy(&self, actor: &Actor, template_id: Uuid) -> Result<Uuid, AppError>;
    /// Starts a Stripe Checkout for a paid template.
    async fn buy(&self, actor: &Actor, template_id: Uuid) -> Result<Redirect, AppError>;
    /// The team's purchase behind a Checkout session, as Stripe last confirmed it.
    async fn purchase_state(
        &self,
        actor: &Actor,
        checkout_session_id: &str,
    ) -> Result<PurchaseState, AppError>;
    /// Writes or rewrites the actor's review (their team must have deployed it).
    async fn review(
        &self,
        actor: &Actor,
        template_id: Uuid,
        rating: i16,
        body: &str,
    ) -> Result<(), AppError>;
    /// The creator's reply to a review of one of their templates.
    async fn reply(&self, actor: &Actor, review_id: Uuid, reply: &str) -> Result<(), AppError>;
    async fn earnings(&self, actor: &Actor) -> Result<Earnings, AppError>;
    /// A Stripe Connect onboarding link for the creator's team.
    async fn connect_onboarding(&self, actor: &Actor) -> Result<Redirect, AppError>;
}
