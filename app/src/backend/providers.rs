use async_trait::async_trait;

use super::Actor;
use crate::error::AppError;
use crate::providers::{EngineNotice, ProviderHealth, ProvidersOverview};

/// LLM providers and the team's own keys for them. Only admins and owners change keys.
#[async_trait]
pub trait Providers: Send + Sync + 'static {
    async fn overview(&self, actor: &Actor) -> Result<ProvidersOverview, AppError>;
    /// Each listed provider's live status and models, asked with the team's keys.
    async fn check(&self, actor: &Actor) -> Result<Vec<ProviderHealth>, AppError>;
    async fn save_key(&self, actor: &Actor, provider: &str, key: &str) -> Result<(), AppError>;
    async fn remove_key(&self, actor: &Actor, provider: &str) -> Result<(), AppError>;
    /// Sets the team's routing order; an empty one goes back to the platform's.
    async fn set_routing_order(&self, actor: &Actor, order: &[String]) -> Result<(), AppError>;
    /// Stores (or replaces) a named secret for custom tools' headers.
    async fn save_secret(&self, actor: &Actor, name: &str, value: &str) -> Result<(), AppError>;
    async fn remove_secret(&self, actor: &Actor, name: &str) -> Result<(), AppError>;
    fn notice(&self) -> EngineNotice;
}
