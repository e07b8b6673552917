//! Start-up: migrate, seed, bind, serve, and shut down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::ssrf::{GuardedHttp, Limits, OutboundPolicy};

use axum::serve::ListenerExt;
use leptos::config::Env;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::accounts::{AccountsConfig, AccountsService};
use crate::agents::AgentsService;
use crate::api_keys::ApiKeysService;
use crate::billing::stripe_client::{PaymentGateway, StripeGateway};
use crate::billing::{BillingService, Payments};
use crate::config::{AppEnv, Config, Secret};
use crate::dashboard::DashboardService;
use crate::db;
use crate::engine::Engine;
use crate::gateway::Gateway;
use crate::http;
use crate::marketplace::MarketplaceService;
use crate::metrics::Metrics;
use crate::redis_client::{RedisClient, RedisClientError};
use crate::runs::event_bus::EventBus;
use crate::runs::worker::Workers;
use crate::state::{AppState, Services};
use crate::team_keys::TeamKeysService;
use crate::teams::TeamsService;
use crate::webhooks::WebhooksService;
use crate::webhooks::dispatcher::Dispatcher;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(
        "could not apply database migrations (is PostgreSQL running, and do the roles exist? `make run` sets them up): {0}"
    )]
    Migrate(#[source] sqlx::Error),
    #[error("could not seed the demo data: {0}")]
    Seed(#[from] crate::demo::SeedError),
    #[error("invalid DATABASE_URL: {0}")]
    Database(#[source] sqlx::Error),
    #[error("invalid REDIS_URL: {0}")]
    Redis(#[from] RedisClientError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("could not start the engine: {0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("invalid Stripe settings: {0}")]
    Stripe(#[from] crate::billing::stripe_client::PaymentError),
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
}

/// A server bound to its address, not yet serving. Tests bind to port 0 and read the
/// real address back.
pub struct Application {
    listener: TcpListener,
    db: sqlx::PgPool,
    router: axum::Router,
    workers: Option<(Workers, String, usize)>,
    dispatcher: Dispatcher,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        if let Some(owner_url) = &config.migration_database_url {
            let owner_pool = db::migrate(owner_url)
                .await
                .map_err(StartupError::Migrate)?;
            if config.seed_demo_data {
                crate::demo::seed(
                    &owner_pool,
                    config.demo_api_key.as_ref().map(Secret::expose),
                    config.seed_marketplace,
                )
                .await?;
            }
            owner_pool.close().await;
        }

        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.site_addr,
                source,
            })?;
        let db = db::app_pool(&config).map_err(StartupError::Database)?;
        let redis = Arc::new(RedisClient::new(
            config.redis_url.expose(),
            &config.redis_prefix,
        )?);
        let accounts = AccountsService::new(
            db.clone(),
            redis.clone(),
            AccountsConfig {
                hash_concurrency: config.password_hash_concurrency,
                session_idle: config.session_idle,
                session_absolute: config.session_absolute,
                secure_cookies: config.secure_cookies,
            },
        );
        let engine = Arc::new(Engine::new(config.engine.clone())?);
        let bus = EventBus::start(redis.clone());
        let workers = (config.engine.workers > 0).then(|| {
            let workers = Workers {
                db: db.clone(),
                bus: bus.clone(),
                engine: engine.clone(),
                id: worker_id(),
            };
            (
                workers,
                config.database_url.expose().to_string(),
                config.engine.workers,
            )
        });
        let gateway = Arc::new(Gateway::new(db.clone(), engine.clone()));
        let payments = payments(&config)?;
        let marketplace = MarketplaceService::new(db.clone(), redis.clone(), payments.clone());
        let state = AppState::new(Services {
            leptos_options: leptos_options(&config),
            db: db.clone(),
            redis,
            metrics: Arc::new(Metrics::default()),
            accounts: Arc::new(accounts),
            teams: Arc::new(TeamsService::new(db.clone())),
            agents: Arc::new(AgentsService::new(db.clone())),
            api_keys: Arc::new(ApiKeysService::new(db.clone())),
            dashboards: Arc::new(DashboardService::new(db.clone())),
            marketplace: Arc::new(marketplace),
            billing: Arc::new(BillingService::new(db.clone(), payments)),
            team_keys: Arc::new(TeamKeysService::new(db.clone(), config.engine.clone())),
            engine,
            rate_limiter: Arc::default(),
            gateway,
            webhooks: Arc::new(WebhooksService::new(
                db.clone(),
                &config.engine.outbound_allowlist,
                Arc::clone(&config.engine.keyring),
            )),
            bus,
            config: Arc::new(config),
        });
        let dispatcher = Dispatcher {
            db: state.db.clone(),
            http: GuardedHttp::new(
                OutboundPolicy::new(&state.config.engine.outbound_allowlist),
                Limits {
                    max_body_bytes: 64 * 1024,
                    total_timeout: Duration::from_secs(10),
                    max_redirects: 0,
                },
            )
            .map_err(|e| StartupError::Engine(crate::engine::EngineError::Client(e.to_string())))?,
            keys: Arc::clone(&state.config.engine.keyring),
            retry_secs: state.config.webhook_retry_secs.clone(),
        };
        Ok(Self {
            dispatcher,
            listener,
            db: state.db.clone(),
            router: http::router(state),
            workers,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    pub async fn serve(self) -> Result<(), StartupError> {
        db::purge::spawn_hourly(self.db.clone(), Arc::clone(&self.dispatcher.keys));
        self.dispatcher.spawn();
        if let Some((workers, database_url, concurrency)) = self.workers {
            workers.spawn(database_url, concurrency);
        }
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // Streamed answers (run events, gateway chunks) are many small writes: without
        // TCP_NODELAY, Nagle's algorithm holds each behind the client's delayed ACK (~40 ms).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(StartupError::Serve)
    }
}

/// Stripe when a secret key is set; without one, paid features say they are off.
fn payments(config: &Config) -> Result<Payments, StartupError> {
    let gateway = match &config.stripe.secret_key {
        Some(key) => Some(Arc::new(StripeGateway::new(
            key.expose(),
            &config.stripe.api_base,
            config.stripe.connect,
        )?) as Arc<dyn PaymentGateway>),
        None => None,
    };
    Ok(Payments {
        gateway,
        public_url: config.public_url.clone(),
    })
}

/// Names this process in run leases, so a lapsed lease points at its worker.
fn worker_id() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().to_string()[..8]
    )
}

fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(config.output_name.as_str())
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .env(match config.app_env {
            AppEnv::Local => Env::DEV,
            AppEnv::Production => Env::PROD,
        })
        .build()
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then get a grace period.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!(grace = ?http::SHUTDOWN_GRACE, "shutting down");
    tokio::spawn(async {
        tokio::time::sleep(http::SHUTDOWN_GRACE).await;
        tracing::warn!("grace period over, exiting");
        std::process::exit(0);
    });
}
