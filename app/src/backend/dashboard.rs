use async_trait::async_trait;

use super::Actor;
use crate::dashboard::{Dashboard, DashboardRange};
use crate::error::AppError;

/// The team's runs, cost, quota and gateway use over a range of days, from the roll-ups.
#[async_trait]
pub trait Dashboards: Send + Sync + 'static {
    async fn dashboard(&self, actor: &Actor, range: DashboardRange) -> Result<Dashboard, AppError>;
}
