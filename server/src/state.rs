//! Everything a request handler may need, built once at start-up.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use crate::accounts::AccountsService;
use crate::agents::AgentsService;
use crate::api_keys::ApiKeysService;
use crate::billing::BillingService;
use crate::config::Config;
use crate::dashboard::DashboardService;
use crate::engine::Engine;
use crate::gateway::Gateway;
use crate::marketplace::MarketplaceService;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::redis_client::RedisClient;
use crate::runs::event_bus::EventBus;
use crate::shutdown::Shutdown;
use crate::team_keys::TeamKeysService;
use crate::teams::TeamsService;
use crate::webhooks::WebhooksService;

/// The shared state, cloned into every middleware and handler of every request: one
/// reference count to bump, not one per service plus the Leptos options' strings.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub redis: Arc<RedisClient>,
    pub metrics: Arc<Metrics>,
    pub accounts: Arc<AccountsService>,
    pub teams: Arc<TeamsService>,
    pub team_keys: Arc<TeamKeysService>,
    pub agents: Arc<AgentsService>,
    pub conversations: Arc<crate::conversations::ConversationsService>,
    pub shares: Arc<crate::conversations::shares::SharesService>,
    pub knowledge: Arc<crate::knowledge::KnowledgeService>,
    pub api_keys: Arc<ApiKeysService>,
    pub engine: Arc<Engine>,
    pub rate_limiter: Arc<RateLimiter>,
    pub gateway: Arc<Gateway>,
    pub webhooks: Arc<WebhooksService>,
    pub dashboards: Arc<DashboardService>,
    pub marketplace: Arc<MarketplaceService>,
    pub billing: Arc<BillingService>,
    /// Google and OpenID Connect providers people sign in with.
    pub identity: Arc<crate::identity::IdentityProviders>,
    /// Teams' own single sign-on (Enterprise).
    pub team_sso: Arc<crate::team_sso::TeamSsoService>,
    pub bus: EventBus,
    /// Begun on SIGTERM: long-lived answers (run-event streams) end with it.
    pub shutdown: Shutdown,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
