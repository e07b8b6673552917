//! Typed configuration, read once at start-up from environment variables. Every
//! variable has a default that works on a developer machine; `.env.example` lists them.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} has an invalid value {value:?}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

/// A value that must never reach a log line: `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where the server runs. Production refuses demo data and expects real secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Local,
    Production,
}

impl FromStr for AppEnv {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "local" | "dev" | "development" | "test" => Ok(Self::Local),
            "production" | "prod" => Ok(Self::Production),
            _ => Err("expected `local` or `production`".into()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "pretty" | "text" => Ok(Self::Pretty),
            _ => Err("expected `json` or `pretty`".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub site_addr: SocketAddr,
    pub site_root: String,
    pub output_name: String,
    /// The application role: not the owner of any table and without BYPASSRLS.
    pub database_url: Secret,
    /// The owner role, used only to apply migrations at start-up; `None` skips them.
    pub migration_database_url: Option<Secret>,
    pub database_max_connections: u32,
    /// How long a request waits for a database connection before it answers 503.
    pub database_acquire_timeout: Duration,
    pub redis_url: Secret,
    /// Prepended to every Redis key.
    pub redis_prefix: String,
    pub request_timeout: Duration,
    /// How long a drain (SIGTERM) may take before the process exits anyway.
    pub shutdown_grace: Duration,
    pub max_body_bytes: usize,
    /// A knowledge base with fewer live chunks is searched exactly instead of through
    /// its HNSW index.
    pub knowledge_exact_below: i64,
    pub seed_demo_data: bool,
    /// With the demo data, also publish a few example templates (tests that count
    /// templates switch it off).
    pub seed_marketplace: bool,
    /// The demo team's API key (`make run` makes one); seeded with the demo data.
    pub demo_api_key: Option<Secret>,
    pub log_format: LogFormat,
    /// OpenTelemetry traces over OTLP/HTTP; `None` (no endpoint set) leaves them off.
    pub traces: Option<crate::telemetry::TraceExport>,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Mark cookies `Secure`: on whenever the site is served over https.
    pub secure_cookies: bool,
    /// How many password hashes may run at once (each takes ~19 MiB and a core).
    pub password_hash_concurrency: usize,
    pub engine: crate::engine::EngineSettings,
    pub rate_limits: RateLimits,
    /// Seconds between a webhook delivery's attempts (the last repeats are the
    /// schedule's tail); each attempt keeps the delivery's id.
    pub webhook_retry_secs: Vec<u64>,
    /// The site's address as browsers reach it, without a trailing slash: where Stripe
    /// Checkout and the customer portal send them back to.
    pub public_url: String,
    pub stripe: StripeSettings,
    /// Outgoing email; `None` (no `SMTP_URL`) turns the features that send mail off.
    pub mail: Option<crate::mail::MailSettings>,
    /// Identity providers people may sign in with (Google, an OpenID Connect provider).
    pub identity_providers: Vec<crate::identity::ProviderSettings>,
    /// The name server domain checks ask (`DNS_RESOLVER`, `host:port`); `None` uses the
    /// system's (`/etc/resolv.conf`).
    pub dns_resolver: Option<SocketAddr>,
}

/// Stripe. Without a secret key paid purchases and upgrades are off (free templates
/// work); without a webhook secret `/webhooks/stripe` refuses every event.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    pub secret_key: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    /// Stripe's API address, ending in a slash; tests point it at a fake.
    pub api_base: String,
    /// Creators can onboard to Stripe Connect for payouts.
    pub connect: bool,
}

/// API requests per minute, by plan, and for callers without a key (per address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub free: u32,
    pub pro: u32,
    pub enterprise: u32,
    pub anonymous: u32,
    /// Messages a minute through a share link, from one address and through one link.
    pub share_per_address: u32,
    pub share_per_link: u32,
}

impl RateLimits {
    pub fn for_plan(&self, plan: app::billing::PlanTier) -> u32 {
        use app::billing::PlanTier;
        match plan {
            PlanTier::Free => self.free,
            PlanTier::Pro => self.pro,
            PlanTier::Enterprise => self.enterprise,
        }
    }
}

/// Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about a day).
const WEBHOOK_RETRY_SECS: &str = "5,300,1800,7200,18000,36000,36000";

fn parse_schedule(text: &str) -> Result<Vec<u64>, ConfigError> {
    let steps: Result<Vec<u64>, _> = text.split(',').map(|s| s.trim().parse::<u64>()).collect();
    match steps {
        Ok(steps) if !steps.is_empty() && steps.len() <= 20 => Ok(steps),
        _ => Err(ConfigError::Invalid {
            name: "WEBHOOK_RETRY_SECS",
            value: text.to_string(),
            reason: "a comma-separated list of 1 to 20 whole seconds".into(),
        }),
    }
}

/// Who mail comes from unless `MAIL_FROM` says; a deployment sets its own domain.
const DEFAULT_MAIL_FROM: &str = "Agent Factory <no-reply@agentfactory.localhost>";

pub const DEFAULT_DATABASE_URL: &str = "postgres://agf_app:agf_app@127.0.0.1:5432/agent_factory";
pub const DEFAULT_OWNER_DATABASE_URL: &str =
    "postgres://agf_owner:agf_owner@127.0.0.1:5432/agent_factory";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any source of variables (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        let app_env: AppEnv = vars.parse("APP_ENV", AppEnv::Local)?;
        let migration_database_url =
            match vars.string("DATABASE_OWNER_URL", DEFAULT_OWNER_DATABASE_URL) {
                url if url.is_empty() || url == "none" => None,
                url => Some(Secret::new(url)),
            };
        let seed_demo_data = vars.parse("SEED_DEMO_DATA", app_env == AppEnv::Local)?;
        if seed_demo_data && app_env == AppEnv::Production {
            return Err(ConfigError::Invalid {
                name: "SEED_DEMO_DATA",
                value: "true".into(),
                reason: "the demo account is never created in production".into(),
            });
        }
        let site_addr = vars.parse("LEPTOS_SITE_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
        Ok(Self {
            app_env,
            site_addr,
            site_root: vars.string("LEPTOS_SITE_ROOT", "target/site"),
            output_name: vars.string("LEPTOS_OUTPUT_NAME", "agent-factory"),
            database_url: Secret::new(vars.string("DATABASE_URL", DEFAULT_DATABASE_URL)),
            migration_database_url,
            database_max_connections: vars.parse("DATABASE_MAX_CONNECTIONS", 10)?,
            database_acquire_timeout: Duration::from_millis(
                vars.parse("DATABASE_ACQUIRE_TIMEOUT_MS", 1000)?,
            ),
            redis_url: Secret::new(vars.string("REDIS_URL", "redis://127.0.0.1:6379")),
            redis_prefix: vars.string("REDIS_PREFIX", "agf:"),
            request_timeout: Duration::from_secs(vars.parse("REQUEST_TIMEOUT_SECS", 30)?),
            shutdown_grace: Duration::from_secs(vars.parse("SHUTDOWN_GRACE_SECS", 30)?),
            max_body_bytes: vars.parse("MAX_BODY_BYTES", 1024 * 1024)?,
            knowledge_exact_below: vars.parse("KNOWLEDGE_EXACT_SEARCH_BELOW", 10_000)?,
            seed_demo_data,
            seed_marketplace: seed_demo_data && vars.parse("SEED_MARKETPLACE", true)?,
            demo_api_key: lookup("DEMO_API_KEY")
                .filter(|k| !k.is_empty())
                .map(Secret::new),
            log_format: vars.parse("LOG_FORMAT", LogFormat::Json)?,
            traces: crate::telemetry::TraceExport::from_vars(&vars)?,
            session_idle: Duration::from_secs(vars.parse("SESSION_IDLE_SECS", 7 * 24 * 3600)?),
            session_absolute: Duration::from_secs(
                vars.parse("SESSION_ABSOLUTE_SECS", 30 * 24 * 3600)?,
            ),
            secure_cookies: vars.parse("SECURE_COOKIES", app_env == AppEnv::Production)?,
            password_hash_concurrency: vars.parse("PASSWORD_HASH_CONCURRENCY", 2)?,
            engine: crate::engine::EngineSettings::from_vars(&vars, app_env)?,
            rate_limits: RateLimits {
                free: vars.parse("RATE_LIMIT_FREE", 10)?,
                pro: vars.parse("RATE_LIMIT_PRO", 100)?,
                enterprise: vars.parse("RATE_LIMIT_ENTERPRISE", 1_000)?,
                anonymous: vars.parse("RATE_LIMIT_ANONYMOUS", 60)?,
                share_per_address: vars.parse("SHARE_MESSAGES_PER_MINUTE_PER_ADDRESS", 10)?,
                share_per_link: vars.parse("SHARE_MESSAGES_PER_MINUTE_PER_LINK", 120)?,
            },
            webhook_retry_secs: parse_schedule(
                &vars.string("WEBHOOK_RETRY_SECS", WEBHOOK_RETRY_SECS),
            )?,
            public_url: lookup("PUBLIC_BASE_URL")
                .filter(|url| !url.trim().is_empty())
                .map(|url| url.trim().trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("http://{site_addr}")),
            stripe: StripeSettings {
                secret_key: non_empty(lookup("STRIPE_SECRET_KEY")),
                webhook_secret: non_empty(lookup("STRIPE_WEBHOOK_SECRET")),
                api_base: format!(
                    "{}/",
                    vars.string("STRIPE_API_BASE", "https://api.stripe.com")
                        .trim_end_matches('/')
                ),
                connect: vars.parse("STRIPE_CONNECT", false)?,
            },
            mail: non_empty(lookup("SMTP_URL")).map(|smtp_url| crate::mail::MailSettings {
                smtp_url,
                from: vars.string("MAIL_FROM", DEFAULT_MAIL_FROM),
            }),
            identity_providers: identity_providers(&lookup),
            dns_resolver: match vars.get("DNS_RESOLVER").filter(|v| !v.trim().is_empty()) {
                Some(_) => {
                    Some(vars.parse("DNS_RESOLVER", SocketAddr::from(([127, 0, 0, 1], 53)))?)
                }
                None => None,
            },
        })
    }
}

/// Google when `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET` are set; GitHub when
/// `GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET` are; any OpenID Connect
/// provider when `OIDC_ISSUER`, `OIDC_CLIENT_ID` and `OIDC_CLIENT_SECRET` are
/// (`OIDC_LABEL` names its button).
fn identity_providers(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Vec<crate::identity::ProviderSettings> {
    let set = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut providers = Vec::new();
    if let (Some(client_id), Some(secret)) = (set("GOOGLE_CLIENT_ID"), set("GOOGLE_CLIENT_SECRET"))
    {
        providers.push(crate::identity::ProviderSettings {
            id: "google".into(),
            label: "Google".into(),
            kind: crate::identity::ProviderKind::Oidc {
                issuer: "https://accounts.google.com".into(),
            },
            client_id,
            client_secret: Secret::new(secret),
        });
    }
    if let (Some(client_id), Some(secret)) = (set("GITHUB_CLIENT_ID"), set("GITHUB_CLIENT_SECRET"))
    {
        let base = |name: &str, default: &str| {
            set(name)
                .unwrap_or_else(|| default.into())
                .trim_end_matches('/')
                .to_owned()
        };
        providers.push(crate::identity::ProviderSettings {
            id: "github".into(),
            label: "GitHub".into(),
            kind: crate::identity::ProviderKind::GitHub(crate::identity::GitHubBases {
                web: base("GITHUB_WEB_BASE", "https://github.com"),
                api: base("GITHUB_API_BASE", "https://api.github.com"),
            }),
            client_id,
            client_secret: Secret::new(secret),
        });
    }
    if let (Some(issuer), Some(client_id), Some(secret)) = (
        set("OIDC_ISSUER"),
        set("OIDC_CLIENT_ID"),
        set("OIDC_CLIENT_SECRET"),
    ) {
        providers.push(crate::identity::ProviderSettings {
            id: "oidc".into(),
            label: set("OIDC_LABEL").unwrap_or_else(|| "single sign-on".into()),
            kind: crate::identity::ProviderKind::Oidc { issuer },
            client_id,
            client_secret: Secret::new(secret),
        });
    }
    providers
}

fn non_empty(value: Option<String>) -> Option<Secret> {
    value.filter(|v| !v.trim().is_empty()).map(Secret::new)
}

pub(crate) struct Vars<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    pub(crate) fn string(&self, name: &str, default: &str) -> String {
        (self.0)(name).unwrap_or_else(|| default.to_owned())
    }

    pub(crate) fn parse<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match (self.0)(name) {
            None => Ok(default),
            Some(value) => value
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::Invalid {
                    name,
                    reason: e.to_string(),
                    value,
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_work_locally() {
        let config = config_from(&[]).unwrap();
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.app_env, AppEnv::Local);
        assert!(config.seed_demo_data);
        assert!(config.migration_database_url.is_some());
    }

    #[test]
    fn production_does_not_seed_by_default() {
        let key = (
            "SECRETS_ENCRYPTION_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        );
        let config = config_from(&[("APP_ENV", "production"), key]).unwrap();
        assert!(!config.seed_demo_data);
    }

    #[test]
    fn production_needs_its_own_secrets_key() {
        let err = config_from(&[("APP_ENV", "production")]).unwrap_err();
        assert!(err.to_string().contains("SECRETS_ENCRYPTION_KEY"), "{err}");
        let short = config_from(&[("SECRETS_ENCRYPTION_KEY", "c2hvcnQ=")]).unwrap_err();
        assert!(short.to_string().contains("32 bytes"), "{short}");
    }

    #[test]
    fn production_refuses_demo_data() {
        assert!(config_from(&[("APP_ENV", "production"), ("SEED_DEMO_DATA", "true")]).is_err());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config_from(&[("LEPTOS_SITE_ADDR", "nowhere")]).unwrap_err();
        assert!(err.to_string().contains("LEPTOS_SITE_ADDR"), "{err}");
    }

    #[test]
    fn owner_url_can_be_switched_off() {
        let config = config_from(&[("DATABASE_OWNER_URL", "none")]).unwrap();
        assert!(config.migration_database_url.is_none());
    }

    #[test]
    fn rate_limits_and_retry_schedule_have_defaults() {
        let config = config_from(&[]).unwrap();
        assert_eq!(
            (
                config.rate_limits.free,
                config.rate_limits.pro,
                config.rate_limits.enterprise
            ),
            (10, 100, 1000)
        );
        assert_eq!(config.webhook_retry_secs.len(), 7);
        assert!(config_from(&[("WEBHOOK_RETRY_SECS", "1,x")]).is_err());
        assert_eq!(
            config_from(&[("WEBHOOK_RETRY_SECS", "1, 2")])
                .unwrap()
                .webhook_retry_secs,
            vec![1, 2]
        );
    }

    #[test]
    fn stripe_is_off_without_keys_and_urls_are_normalised() {
        let config = config_from(&[("LEPTOS_SITE_ADDR", "127.0.0.1:4000")]).unwrap();
        assert!(config.stripe.secret_key.is_none());
        assert_eq!(config.public_url, "http://127.0.0.1:4000");
        assert_eq!(config.stripe.api_base, "https://api.stripe.com/");
        let config = config_from(&[
            ("PUBLIC_BASE_URL", "https://agents.example/"),
            ("STRIPE_API_BASE", "http://127.0.0.1:12111"),
            ("STRIPE_SECRET_KEY", "sk_test_1"),
        ])
        .unwrap();
        assert_eq!(config.public_url, "https://agents.example");
        assert_eq!(config.stripe.api_base, "http://127.0.0.1:12111/");
        assert!(!format!("{config:?}").contains("sk_test_1"));
    }

    #[test]
    fn secrets_do_not_print() {
        let config = config_from(&[("DATABASE_URL", "postgres://u:hunter2@h/db")]).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn traces_are_off_until_an_otlp_endpoint_is_set() {
        assert_eq!(config_from(&[]).unwrap().traces, None);
        let traces = config_from(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ])
        .unwrap()
        .traces
        .unwrap();
        assert_eq!(traces.endpoint, "http://collector:4318/v1/traces");
        assert_eq!(traces.service_name, "agent-factory");
        assert_eq!(traces.timeout, Duration::from_millis(2500));
        // The traces-only endpoint is taken as it is.
        let traces = config_from(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://otel.example/ingest",
            ),
            ("OTEL_SERVICE_NAME", "agf-eu"),
        ])
        .unwrap()
        .traces
        .unwrap();
        assert_eq!(traces.endpoint, "https://otel.example/ingest");
        assert_eq!(traces.service_name, "agf-eu");
    }

    #[test]
    fn traces_refuse_what_they_cannot_send() {
        let grpc = config_from(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .unwrap_err();
        assert!(
            grpc.to_string().contains("OTEL_EXPORTER_OTLP_PROTOCOL"),
            "{grpc}"
        );
        assert!(grpc.to_string().contains("http/protobuf"), "{grpc}");
        let bad = config_from(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]).unwrap_err();
        assert!(
            bad.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
            "{bad}"
        );
    }
}
