use async_trait::async_trait;
use uuid::Uuid;

use super::Actor;
use crate::error::AppError;
use crate::team_sso::{SsoOverview, SsoProviderInput};

/// A team's own single sign-on (Enterprise plan): its OpenID Connect provider and the
/// email domains it proves by DNS. Admins see it; owners change it.
#[async_trait]
pub trait TeamSso: Send + Sync + 'static {
    async fn overview(&self, actor: &Actor) -> Result<SsoOverview, AppError>;
    /// Saves the provider once its discovery document is read.
    async fn configure(&self, actor: &Actor, input: SsoProviderInput) -> Result<(), AppError>;
    /// Whether people of the team's domains must sign in through it (only once someone
    /// has: a provider set up wrongly must not lock everyone out).
    async fn require(&self, actor: &Actor, required: bool) -> Result<(), AppError>;
    /// Turns single sign-on off (domains stay proven).
    async fn remove(&self, actor: &Actor) -> Result<(), AppError>;
    async fn add_domain(&self, actor: &Actor, domain: &str) -> Result<(), AppError>;
    /// Looks the domain's TXT record up; proven when it says what it should.
    async fn verify_domain(&self, actor: &Actor, id: Uuid) -> Result<(), AppError>;
    async fn remove_domain(&self, actor: &Actor, id: Uuid) -> Result<(), AppError>;
}
