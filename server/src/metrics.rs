//! What `GET /metrics` tells the operator, in the OpenMetrics text format through
//! `prometheus-client` (the Prometheus project's Rust client): HTTP, the database pool,
//! runs and the run queue, LLM calls with their tokens and cost, the gateway, webhook
//! deliveries, outgoing email, rate limiting and the providers' circuit breakers.
//!
//! Every label comes from a bounded set — route templates, the providers and models of
//! the catalogue, statuses and reasons from fixed lists — never a run, team, user or key
//! id, so the number of series stays small whatever the traffic.
//! The gauges that describe the whole deployment (the run queue, the webhook backlog)
//! are read from the database at scrape time, so every instance reports the same value:
//! aggregate them with `max`, not `sum`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::engine::providers::DeploymentStatus;

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Request latency buckets, in seconds.
const HTTP_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Run and LLM-call durations are seconds to minutes.
const LONG_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpRequest {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolState {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunEnd {
    status: &'static str,
    /// `none` for a success; else the run's failure reason (a fixed list).
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LlmCall {
    /// `run` (an agent's step) or `gateway` (`/v1/chat/completions`).
    source: &'static str,
    provider: String,
    model: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Model {
    provider: String,
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Tokens {
    provider: String,
    model: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Plan {
    plan: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Provider {
    provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Deployment {
    provider: String,
    deployment: String,
}

/// One finished LLM call, as recorded.
pub struct LlmCallRecord<'a> {
    pub source: &'static str,
    pub provider: &'a str,
    pub model: &'a str,
    pub ok: bool,
    pub latency: Duration,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_micro_usd: u64,
}

/// Values read when Prometheus scrapes, rather than counted as things happen.
pub struct Scrape {
    pub pool_size: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    /// `None` when the database could not say: the series are then left out, not zero.
    pub run_queue: Option<RunQueue>,
    pub webhook_backlog: Option<i64>,
    /// Each provider that has failed since start-up, and whether its circuit is open.
    pub circuits: Vec<(String, bool)>,
    /// Each provider's deployments (`LLM_DEPLOYMENTS`) as this instance counts them.
    pub deployments: Vec<(String, DeploymentStatus)>,
}

/// The run queue (every team): runs waiting for a worker, and how long the oldest has
/// waited.
#[derive(sqlx::FromRow)]
pub struct RunQueue {
    pub waiting: i64,
    pub oldest_wait_seconds: f64,
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpRequest, Counter>,
    http_duration: Histograms<Route>,
    pool: Family<PoolState, Gauge>,
    runs_started: Counter,
    runs_finished: Family<RunEnd, Counter>,
    run_duration: Histograms<Status>,
    runs_queued: Gauge,
    run_queue_oldest: Gauge<f64, AtomicU64>,
    llm_calls: Family<LlmCall, Counter>,
    llm_duration: Histograms<Model>,
    llm_tokens: Family<Tokens, Counter>,
    llm_cost: Family<Model, Counter>,
    gateway_calls: Family<Outcome, Counter>,
    webhook_deliveries: Family<Outcome, Counter>,
    webhook_backlog: Gauge,
    mail_sends: Family<Outcome, Counter>,
    rate_limited: Family<Plan, Counter>,
    circuit_open: Family<Provider, Gauge>,
    deployment_available: Family<Deployment, Gauge>,
    deployment_requests: Family<Deployment, Gauge>,
    deployment_tokens: Family<Deployment, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let http = || Histogram::new(HTTP_BUCKETS);
        let long = || Histogram::new(LONG_BUCKETS);
        let metrics = Metrics {
            registry: Registry::default(),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(http),
            pool: Family::default(),
            runs_started: Counter::default(),
            runs_finished: Family::default(),
            run_duration: Family::new_with_constructor(long),
            runs_queued: Gauge::default(),
            run_queue_oldest: Gauge::default(),
            llm_calls: Family::default(),
            llm_duration: Family::new_with_constructor(long),
            llm_tokens: Family::default(),
            llm_cost: Family::default(),
            gateway_calls: Family::default(),
            webhook_deliveries: Family::default(),
            webhook_backlog: Gauge::default(),
            mail_sends: Family::default(),
            rate_limited: Family::default(),
            circuit_open: Family::default(),
            deployment_available: Family::default(),
            deployment_requests: Family::default(),
            deployment_tokens: Family::default(),
        };
        metrics.registered()
    }

    fn registered(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "http_requests",
            "HTTP requests by method, route and status",
            self.http_requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to the response head, by route",
            self.http_duration.clone(),
        );
        r.register(
            "db_pool_connections",
            "Database pool connections by state",
            self.pool.clone(),
        );
        r.register(
            "agent_factory_runs_started",
            "Runs a worker began executing (first attempts)",
            self.runs_started.clone(),
        );
        r.register(
            "agent_factory_runs_finished",
            "Runs ended, by status and failure reason",
            self.runs_finished.clone(),
        );
        r.register(
            "agent_factory_run_duration_seconds",
            "Run execution time (the attempt that ended it), by status",
            self.run_duration.clone(),
        );
        r.register(
            "agent_factory_runs_queued",
            "Runs waiting for a worker (queued, or under a lapsed lease), every team",
            self.runs_queued.clone(),
        );
        r.register(
            "agent_factory_run_queue_oldest_seconds",
            "How long the oldest waiting run has waited",
            self.run_queue_oldest.clone(),
        );
        r.register(
            "agent_factory_llm_calls",
            "LLM calls by source, provider, model and status",
            self.llm_calls.clone(),
        );
        r.register(
            "agent_factory_llm_call_duration_seconds",
            "LLM call latency by provider and model",
            self.llm_duration.clone(),
        );
        r.register(
            "agent_factory_llm_tokens",
            "Tokens by provider, model and kind (input, output)",
            self.llm_tokens.clone(),
        );
        r.register(
            "agent_factory_llm_cost_micro_usd",
            "LLM cost in micro-dollars, by provider and model",
            self.llm_cost.clone(),
        );
        r.register("agent_factory_gateway_calls", "Gateway calls by outcome (served, failed, refused_budget, refused_plan, unknown_model, invalid)", self.gateway_calls.clone());
        r.register(
            "agent_factory_webhook_deliveries",
            "Webhook delivery attempts by outcome (delivered, retry, gave_up, gone)",
            self.webhook_deliveries.clone(),
        );
        r.register(
            "agent_factory_webhook_backlog",
            "Webhook deliveries pending, every team",
            self.webhook_backlog.clone(),
        );
        r.register(
            "agent_factory_mail_sends",
            "Outgoing email by outcome (sent, retry, gave_up, skipped: nobody to send it to)",
            self.mail_sends.clone(),
        );
        r.register(
            "agent_factory_rate_limited",
            "Requests refused by the rate limit, by plan",
            self.rate_limited.clone(),
        );
        r.register(
            "agent_factory_provider_circuit_open",
            "1 while a provider's circuit breaker is open (this instance)",
            self.circuit_open.clone(),
        );
        r.register(
            "agent_factory_llm_deployment_available",
            "1 while a provider's deployment is neither at its per-minute limit nor resting after a failure (this instance)",
            self.deployment_available.clone(),
        );
        r.register(
            "agent_factory_llm_deployment_minute_requests",
            "Requests sent to a deployment this minute (this instance)",
            self.deployment_requests.clone(),
        );
        r.register(
            "agent_factory_llm_deployment_minute_tokens",
            "Tokens a deployment answered this minute (this instance)",
            self.deployment_tokens.clone(),
        );
        self
    }

    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let request = HttpRequest {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.http_requests.get_or_create(&request).inc();
        let route = Route {
            route: route.to_owned(),
        };
        self.http_duration
            .get_or_create(&route)
            .observe(elapsed.as_secs_f64());
    }

    pub fn run_started(&self) {
        self.runs_started.inc();
    }

    /// `reason` is the run's failure reason (`None` for a success).
    pub fn run_finished(&self, status: &'static str, reason: Option<&str>, took: Duration) {
        let end = RunEnd {
            status,
            reason: reason.unwrap_or("none").to_owned(),
        };
        self.runs_finished.get_or_create(&end).inc();
        self.run_duration
            .get_or_create(&Status { status })
            .observe(took.as_secs_f64());
    }

    pub fn llm_call(&self, call: &LlmCallRecord<'_>) {
        let model = Model {
            provider: call.provider.to_owned(),
            model: call.model.to_owned(),
        };
        let labels = LlmCall {
            source: call.source,
            provider: model.provider.clone(),
            model: model.model.clone(),
            status: if call.ok { "ok" } else { "error" },
        };
        self.llm_calls.get_or_create(&labels).inc();
        self.llm_duration
            .get_or_create(&model)
            .observe(call.latency.as_secs_f64());
        for (kind, count) in [
            ("input", call.prompt_tokens),
            ("output", call.completion_tokens),
        ] {
            let tokens = Tokens {
                provider: model.provider.clone(),
                model: model.model.clone(),
                kind,
            };
            self.llm_tokens.get_or_create(&tokens).inc_by(count);
        }
        self.llm_cost
            .get_or_create(&model)
            .inc_by(call.cost_micro_usd);
    }

    pub fn gateway_call(&self, outcome: &'static str) {
        self.gateway_calls.get_or_create(&Outcome { outcome }).inc();
    }

    pub fn webhook_delivery(&self, outcome: &'static str) {
        self.webhook_deliveries
            .get_or_create(&Outcome { outcome })
            .inc();
    }

    pub fn mail_send(&self, outcome: &'static str) {
        self.mail_sends.get_or_create(&Outcome { outcome }).inc();
    }

    pub fn rate_limited(&self, plan: &'static str) {
        self.rate_limited.get_or_create(&Plan { plan }).inc();
    }

    /// The text Prometheus scrapes, with the scrape-time values filled in first.
    pub fn render(&self, scrape: &Scrape) -> String {
        let in_use = scrape.pool_size.saturating_sub(scrape.pool_idle);
        for (state, value) in [
            ("in_use", in_use),
            ("idle", scrape.pool_idle),
            ("max", scrape.pool_max),
        ] {
            self.pool
                .get_or_create(&PoolState { state })
                .set(i64::from(value));
        }
        if let Some(queue) = &scrape.run_queue {
            self.runs_queued.set(queue.waiting);
            self.run_queue_oldest.set(queue.oldest_wait_seconds);
        }
        if let Some(backlog) = scrape.webhook_backlog {
            self.webhook_backlog.set(backlog);
        }
        for (provider, open) in &scrape.circuits {
            let provider = Provider {
                provider: provider.clone(),
            };
            self.circuit_open
                .get_or_create(&provider)
                .set(i64::from(*open));
        }
        for (provider, status) in &scrape.deployments {
            let deployment = Deployment {
                provider: provider.clone(),
                deployment: status.name.clone(),
            };
            self.deployment_available
                .get_or_create(&deployment)
                .set(i64::from(status.available));
            self.deployment_requests
                .get_or_create(&deployment)
                .set(i64::from(status.requests_this_minute));
            self.deployment_tokens
                .get_or_create(&deployment)
                .set(i64::try_from(status.tokens_this_minute).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "could not encode the metrics");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape() -> Scrape {
        Scrape {
            pool_size: 3,
            pool_idle: 1,
            pool_max: 10,
            run_queue: Some(RunQueue {
                waiting: 4,
                oldest_wait_seconds: 2.5,
            }),
            webhook_backlog: Some(7),
            circuits: vec![("openai".into(), true)],
            deployments: vec![(
                "openai".into(),
                DeploymentStatus {
                    name: "east".into(),
                    requests_this_minute: 12,
                    tokens_this_minute: 3400,
                    available: true,
                },
            )],
        }
    }

    #[test]
    fn counts_requests_and_fills_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.record_request("GET", "/health", 200, Duration::from_millis(3));
        metrics.record_request("GET", "/health", 200, Duration::from_millis(300));
        let text = metrics.render(&scrape());
        assert!(
            text.contains(r#"http_requests_total{method="GET",route="/health",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{le="0.005",route="/health"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{le="0.5",route="/health"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"http_request_duration_seconds_count{route="/health"} 2"#));
        assert!(text.contains(r#"db_pool_connections{state="in_use"} 2"#));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn reports_runs_llm_calls_and_the_deployment_gauges() {
        let metrics = Metrics::default();
        metrics.run_started();
        metrics.run_finished("failed", Some("max_steps"), Duration::from_secs(2));
        metrics.llm_call(&LlmCallRecord {
            source: "run",
            provider: "openai",
            model: "gpt-4o-mini",
            ok: true,
            latency: Duration::from_millis(800),
            prompt_tokens: 100,
            completion_tokens: 20,
            cost_micro_usd: 27,
        });
        metrics.rate_limited("free");
        let text = metrics.render(&scrape());
        for line in [
            "agent_factory_runs_started_total 1",
            r#"agent_factory_runs_finished_total{status="failed",reason="max_steps"} 1"#,
            r#"agent_factory_llm_calls_total{source="run",provider="openai",model="gpt-4o-mini",status="ok"} 1"#,
            r#"agent_factory_llm_tokens_total{provider="openai",model="gpt-4o-mini",kind="output"} 20"#,
            r#"agent_factory_llm_cost_micro_usd_total{provider="openai",model="gpt-4o-mini"} 27"#,
            r#"agent_factory_rate_limited_total{plan="free"} 1"#,
            "agent_factory_runs_queued 4",
            "agent_factory_run_queue_oldest_seconds 2.5",
            "agent_factory_webhook_backlog 7",
            r#"agent_factory_provider_circuit_open{provider="openai"} 1"#,
            r#"agent_factory_llm_deployment_available{provider="openai",deployment="east"} 1"#,
            r#"agent_factory_llm_deployment_minute_requests{provider="openai",deployment="east"} 12"#,
            r#"agent_factory_llm_deployment_minute_tokens{provider="openai",deployment="east"} 3400"#,
        ] {
            assert!(
                text.contains(&format!("{line}\n")),
                "no {line:?} in\n{text}"
            );
        }
    }
}
