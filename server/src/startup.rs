//! Start-up: migrate, seed, bind, serve, and shut down gracefully — as one of the
//! binary's roles ([`Role`]), or all of them in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::ssrf::{GuardedHttp, Limits, OutboundPolicy};

use axum::serve::ListenerExt;
use leptos::config::Env;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::accounts::verification::EmailGate;
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
use crate::mail::Mailer;
use crate::mail::sender::MailSender;
use crate::marketplace::MarketplaceService;
use crate::metrics::Metrics;
use crate::redis_client::{RedisClient, RedisClientError};
use crate::runs::event_bus::EventBus;
use crate::runs::worker::Workers;
use crate::shutdown::Shutdown;
use crate::state::{AppState, Services};
use crate::team_keys::TeamKeysService;
use crate::team_sso::TeamSsoService;
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
    #[error("invalid email settings: {0}")]
    Mail(#[from] crate::mail::MailError),
    #[error("cannot set up DNS look-ups (DNS_RESOLVER, /etc/resolv.conf): {0}")]
    Dns(#[from] crate::dns::DnsError),
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
    #[error(
        "migrations need DATABASE_OWNER_URL (the role that owns the schema); it is unset or `none`"
    )]
    NoOwner,
}

/// What a process does: `agent-factory serve`, `agent-factory worker`, or both (and
/// the migrations) with no argument. Any number of each may run against one database and
/// Redis; `agent-factory migrate` is the third role, a command that ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Migrates and seeds at start (when `DATABASE_OWNER_URL` is set), serves HTTP, runs
    /// the workers and the scheduled jobs: `make run`, the tests, small installs.
    All,
    /// HTTP only: pages, the API, the gateway, run-event streams.
    Serve,
    /// Runs, webhook deliveries and scheduled jobs; its HTTP is `/health`, `/ready` and
    /// `/metrics` only.
    Worker,
}

impl Role {
    fn migrates(self) -> bool {
        self == Role::All
    }

    fn works(self) -> bool {
        matches!(self, Role::All | Role::Worker)
    }
}

/// A server bound to its address, not yet serving. Tests bind to port 0 and read the
/// real address back.
pub struct Application {
    listener: TcpListener,
    db: sqlx::PgPool,
    router: axum::Router,
    workers: Option<(Workers, String, usize)>,
    indexer: Option<(crate::knowledge::indexer::Indexer, String)>,
    dispatcher: Option<Dispatcher>,
    mail_sender: Option<MailSender>,
    engine: Arc<Engine>,
    redis: Arc<RedisClient>,
    shutdown: Shutdown,
}

/// Applies pending migrations as the owner role (under sqlx's advisory lock, so
/// processes starting together apply them once) and seeds the demo data when configured.
pub async fn migrate(config: &Config) -> Result<(), StartupError> {
    let Some(owner_url) = &config.migration_database_url else {
        return Err(StartupError::NoOwner);
    };
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
    Ok(())
}

impl Application {
    pub async fn build(config: Config, role: Role) -> Result<Self, StartupError> {
        if role.migrates() && config.migration_database_url.is_some() {
            migrate(&config).await?;
        }
        Self::bind(config, role).await
    }

    async fn bind(mut config: Config, role: Role) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.site_addr,
                source,
            })?;
        // The default public address follows the one bound (port 0 picks a free port),
        // so the links we hand out (to identity providers, Stripe, mail) reach us.
        if config.public_url == format!("http://{}", config.site_addr)
            && let Ok(bound) = listener.local_addr()
        {
            config.public_url = format!("http://{bound}");
        }
        let db = db::app_pool(&config).map_err(StartupError::Database)?;
        let redis = Arc::new(RedisClient::new(
            config.redis_url.expose(),
            &config.redis_prefix,
        )?);
        // Checked in every role, so a mistyped SMTP_URL stops any process at start.
        let mailer = config.mail.as_ref().map(Mailer::new).transpose()?;
        let accounts = AccountsService::new(
            db.clone(),
            redis.clone(),
            AccountsConfig {
                hash_concurrency: config.password_hash_concurrency,
                session_idle: config.session_idle,
                session_absolute: config.session_absolute,
                secure_cookies: config.secure_cookies,
                mail_enabled: config.mail.is_some(),
                keyring: config.engine.keyring.clone(),
                identity_providers: config
                    .identity_providers
                    .iter()
                    .map(|p| (p.id.clone(), p.label.clone()))
                    .collect(),
            },
        );
        let engine = Arc::new(Engine::new(config.engine.clone())?);
        let bus = EventBus::start(redis.clone());
        let metrics = Arc::new(Metrics::default());
        let workers = (role.works() && config.engine.workers > 0).then(|| {
            let workers = Workers {
                db: db.clone(),
                bus: bus.clone(),
                engine: engine.clone(),
                metrics: metrics.clone(),
                knowledge: None,
                id: worker_id(),
            };
            (
                workers,
                config.database_url.expose().to_string(),
                config.engine.workers,
            )
        });
        let gateway = Arc::new(Gateway::new(db.clone(), engine.clone(), redis.clone()));
        let rate_limiter: Arc<crate::rate_limit::RateLimiter> = Arc::default();
        let knowledge = Arc::new(crate::knowledge::KnowledgeService::new(
            db.clone(),
            gateway.clone(),
            GuardedHttp::new(
                OutboundPolicy::new(&config.engine.outbound_allowlist),
                Limits {
                    max_body_bytes: app::knowledge::MAX_DOCUMENT_BYTES,
                    total_timeout: Duration::from_secs(30),
                    max_redirects: 5,
                },
            )
            .map_err(|e| StartupError::Engine(crate::engine::EngineError::Client(e.to_string())))?,
            config.knowledge_exact_below,
        ));
        let workers = workers.map(|(mut workers, url, concurrency)| {
            workers.knowledge = Some(knowledge.clone());
            (workers, url, concurrency)
        });
        let indexer = (role.works() && config.engine.workers > 0).then(|| {
            (
                crate::knowledge::indexer::Indexer {
                    db: db.clone(),
                    embedder: knowledge.embedder(),
                    worker: worker_id(),
                },
                config.database_url.expose().to_string(),
            )
        });
        let conversations = Arc::new(crate::conversations::ConversationsService::new(db.clone()));
        let shares = Arc::new(crate::conversations::shares::SharesService::new(
            db.clone(),
            conversations.clone(),
            Arc::clone(&config.engine.keyring),
            config.public_url.clone(),
            rate_limiter.clone(),
            redis.clone(),
            crate::conversations::shares::ShareLimits {
                per_address: config.rate_limits.share_per_address,
                per_link: config.rate_limits.share_per_link,
            },
        ));
        let payments = payments(&config)?;
        let email_gate = EmailGate {
            required: config.mail.is_some(),
        };
        let marketplace =
            MarketplaceService::new(db.clone(), redis.clone(), payments.clone(), email_gate);
        let identity = Arc::new(identity_providers(&config, redis.clone())?);
        let dns = crate::dns::resolver(config.dns_resolver)?;
        let team_sso = Arc::new(TeamSsoService::new(
            db.clone(),
            config.engine.keyring.clone(),
            identity.clone(),
            dns,
            config.public_url.clone(),
        ));
        let state = AppState::new(Services {
            leptos_options: leptos_options(&config),
            db: db.clone(),
            redis,
            metrics: metrics.clone(),
            accounts: Arc::new(accounts),
            teams: Arc::new(TeamsService::new(
                db.clone(),
                email_gate,
                config.mail.is_some(),
            )),
            agents: Arc::new(AgentsService::new(db.clone())),
            conversations,
            shares,
            knowledge,
            api_keys: Arc::new(ApiKeysService::new(db.clone())),
            dashboards: Arc::new(DashboardService::new(db.clone())),
            marketplace: Arc::new(marketplace),
            billing: Arc::new(BillingService::new(db.clone(), payments)),
            identity,
            team_sso,
            team_keys: Arc::new(TeamKeysService::new(db.clone(), engine.clone())),
            engine,
            rate_limiter,
            gateway,
            webhooks: Arc::new(WebhooksService::new(
                db.clone(),
                &config.engine.outbound_allowlist,
                Arc::clone(&config.engine.keyring),
            )),
            bus,
            shutdown: Shutdown::new(config.shutdown_grace),
            config: Arc::new(config),
        });
        let dispatcher = if role.works() {
            Some(Dispatcher {
                db: state.db.clone(),
                http: GuardedHttp::new(
                    OutboundPolicy::new(&state.config.engine.outbound_allowlist),
                    Limits {
                        max_body_bytes: 64 * 1024,
                        total_timeout: Duration::from_secs(10),
                        max_redirects: 0,
                    },
                )
                .map_err(|e| {
                    StartupError::Engine(crate::engine::EngineError::Client(e.to_string()))
                })?,
                keys: Arc::clone(&state.config.engine.keyring),
                retry_secs: state.config.webhook_retry_secs.clone(),
                metrics: state.metrics.clone(),
            })
        } else {
            None
        };
        let mail_sender = mailer.filter(|_| role.works()).map(|mailer| MailSender {
            db: state.db.clone(),
            mailer: Arc::new(mailer),
            metrics: state.metrics.clone(),
            public_url: state.config.public_url.clone(),
        });
        let shutdown = state.shutdown.clone();
        let redis = Arc::clone(&state.redis);
        let db = state.db.clone();
        let engine = Arc::clone(&state.engine);
        let router = match role {
            Role::All | Role::Serve => http::router(state),
            Role::Worker => http::probes(state),
        };
        Ok(Self {
            dispatcher,
            mail_sender,
            engine,
            redis,
            listener,
            db,
            router,
            workers,
            indexer,
            shutdown,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The drain signal of this process; tests begin it to stop an instance the way
    /// SIGTERM does.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Serves until SIGTERM (or Ctrl-C), then drains: see `shutdown`.
    pub async fn serve(self) -> Result<(), StartupError> {
        self.shutdown.on_signal();
        if let Some(every) = self.engine.settings.model_refresh {
            crate::engine::discovery::spawn(Arc::clone(&self.engine), every);
        }
        crate::engine::deployment_sharing::spawn(Arc::clone(&self.engine), self.redis);
        if let Some(dispatcher) = self.dispatcher {
            db::purge::spawn_hourly(self.db.clone(), Arc::clone(&dispatcher.keys));
            dispatcher.spawn();
        }
        if let Some(mail_sender) = self.mail_sender {
            mail_sender.spawn();
        }
        let indexer = self
            .indexer
            .map(|(indexer, database_url)| indexer.spawn(database_url, self.shutdown.clone()));
        let workers = self.workers.map(|(workers, database_url, concurrency)| {
            workers.spawn(database_url, concurrency, self.shutdown.clone())
        });
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
            .with_graceful_shutdown(self.shutdown.begun())
            .await
            .map_err(StartupError::Serve)?;
        if let Some(workers) = workers {
            let _ = workers.await;
        }
        if let Some(indexer) = indexer {
            let _ = indexer.await;
        }
        tracing::info!("drained");
        Ok(())
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

/// The identity providers, reached through the SSRF guard. An operator's issuers are
/// trusted where they are (a provider on the company network is allowed), like its
/// other allowlisted hosts; what their documents name is checked like anything else.
fn identity_providers(
    config: &Config,
    redis: Arc<RedisClient>,
) -> Result<crate::identity::IdentityProviders, StartupError> {
    let mut allow = config.engine.outbound_allowlist.clone();
    let addresses = config.identity_providers.iter().flat_map(|p| p.addresses());
    allow.extend(addresses.filter_map(|address| {
        let url = url::Url::parse(address).ok()?;
        Some(format!(
            "{}:{}",
            url.host_str()?,
            url.port_or_known_default()?
        ))
    }));
    let limits = Limits {
        max_body_bytes: 256 * 1024,
        total_timeout: Duration::from_secs(10),
        max_redirects: 0,
    };
    let guarded = |allow: &[String]| {
        GuardedHttp::new(OutboundPolicy::new(allow), limits)
            .map_err(|e| StartupError::Engine(crate::engine::EngineError::Client(e.to_string())))
    };
    Ok(crate::identity::IdentityProviders::new(
        config.identity_providers.clone(),
        guarded(&allow)?,
        guarded(&config.engine.outbound_allowlist)?,
        redis,
        config.public_url.clone(),
    ))
}
