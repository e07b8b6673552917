//! The marketplace (implements `app::backend::Marketplace`): browsing and search with a
//! Redis page cache, template pages, publishing, one-click deploys, purchases through
//! Stripe Checkout, reviews, and creators' earnings.

mod browse;
mod cards;
mod deploy;
mod earnings;
mod publishing;
mod purchases;
mod reviews;
mod template_page;

use std::sync::Arc;

use app::backend::{Actor, Marketplace};
use app::error::AppError;
use app::marketplace::{
    BrowseQuery, Earnings, Listing, PublishForm, PurchaseState, Redirect, TemplateView,
    TemplatesPage,
};
use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

pub use browse::invalidate;

use crate::accounts::verification::EmailGate;
use crate::billing::Payments;
use crate::errors::ServerError;
use crate::redis_client::RedisClient;

pub struct MarketplaceService {
    db: PgPool,
    cache: Arc<RedisClient>,
    payments: Payments,
    /// Publishing and payouts wait for a verified address (while email is on).
    email_gate: EmailGate,
}

impl MarketplaceService {
    pub fn new(
        db: PgPool,
        cache: Arc<RedisClient>,
        payments: Payments,
        email_gate: EmailGate,
    ) -> Self {
        Self {
            db,
            cache,
            payments,
            email_gate,
        }
    }

    /// A page of published templates with a page size of the caller's choosing (the API's
    /// `limit`); the web app uses [`app::marketplace::PAGE_SIZE`].
    pub async fn page(
        &self,
        query: BrowseQuery,
        page_size: u32,
    ) -> Result<TemplatesPage, ServerError> {
        browse::browse(&self.db, &self.cache, query, page_size).await
    }
}

#[async_trait]
impl Marketplace for MarketplaceService {
    async fn browse(&self, query: BrowseQuery) -> Result<TemplatesPage, AppError> {
        Ok(self.page(query, app::marketplace::PAGE_SIZE).await?)
    }

    async fn template(&self, viewer: Option<&Actor>, slug: &str) -> Result<TemplateView, AppError> {
        Ok(template_page::view(&self.db, self.payments.gateway.is_some(), viewer, slug).await?)
    }

    async fn listing(&self, actor: &Actor, agent_id: Uuid) -> Result<Option<Listing>, AppError> {
        Ok(publishing::get(&self.db, actor, agent_id).await?)
    }

    async fn publish(
        &self,
        actor: &Actor,
        agent_id: Uuid,
        form: &PublishForm,
    ) -> Result<Listing, AppError> {
        let listing = publishing::publish(&self.db, self.email_gate, actor, agent_id, form).await?;
        invalidate(&self.cache).await;
        Ok(listing)
    }

    async fn unpublish(&self, actor: &Actor, agent_id: Uuid) -> Result<(), AppError> {
        publishing::unpublish(&self.db, actor, agent_id).await?;
        invalidate(&self.cache).await;
        Ok(())
    }

    async fn deploy(&self, actor: &Actor, template_id: Uuid) -> Result<Uuid, AppError> {
        let agent_id = deploy::deploy(&self.db, actor, template_id).await?;
        invalidate(&self.cache).await;
        Ok(agent_id)
    }

    async fn buy(&self, actor: &Actor, template_id: Uuid) -> Result<Redirect, AppError> {
        Ok(purchases::buy(&self.db, &self.payments, actor, template_id).await?)
    }

    async fn purchase_state(
        &self,
        actor: &Actor,
        checkout_session_id: &str,
    ) -> Result<PurchaseState, AppError> {
        Ok(purchases::state(&self.db, actor, checkout_session_id).await?)
    }

    async fn review(
        &self,
        actor: &Actor,
        template_id: Uuid,
        rating: i16,
        body: &str,
    ) -> Result<(), AppError> {
        reviews::review(&self.db, actor, template_id, rating, body).await?;
        invalidate(&self.cache).await;
        Ok(())
    }

    async fn reply(&self, actor: &Actor, review_id: Uuid, reply: &str) -> Result<(), AppError> {
        Ok(reviews::reply(&self.db, actor, review_id, reply).await?)
    }

    async fn earnings(&self, actor: &Actor) -> Result<Earnings, AppError> {
        Ok(earnings::earnings(&self.db, &self.payments, actor).await?)
    }

    async fn connect_onboarding(&self, actor: &Actor) -> Result<Redirect, AppError> {
        Ok(earnings::connect_onboarding(&self.db, &self.payments, self.email_gate, actor).await?)
    }
}
