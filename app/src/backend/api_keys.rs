use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::api_keys::{ApiKeyRow, KeySettings, NewApiKey};
use crate::error::AppError;

/// The team's API keys. Admins and owners list, create and revoke them.
#[async_trait]
pub trait ApiKeys: Send + Sync + 'static {
    async fn list(&self, actor: &Actor) -> Result<Vec<ApiKeyRow>, AppError>;
    /// Creates a key; the answer holds the secret, which is never shown again.
    async fn create(&self, actor: &Actor, settings: &KeySettings) -> Result<NewApiKey, AppError>;
    async fn revoke(&self, actor: &Actor, key_id: Uuid) -> Result<(), AppError>;
}
