//! Liveness, readiness and metrics: the endpoints load balancers and Prometheus use.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

use crate::db::schema;
use crate::engine::router::CircuitState;
use crate::metrics::{self, RunQueue, Scrape};
use crate::state::AppState;

/// The process is up and serving. Checks nothing else, on purpose.
pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// One dependency's state. A probe learns what is down, never the error text (hosts,
/// ports, driver messages): that goes to the log.
#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

impl Check {
    fn of<E: std::fmt::Display>(dependency: &'static str, result: Result<(), E>) -> Self {
        match result {
            Ok(()) => Self {
                ok: true,
                error: None,
            },
            Err(error) => {
                tracing::warn!(dependency, %error, "readiness check failed");
                Self {
                    ok: false,
                    error: Some("unreachable"),
                }
            }
        }
    }
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    checks: Checks,
}

#[derive(Serialize)]
struct Checks {
    postgres: Check,
    redis: Check,
    schema: SchemaCheck,
}

/// Whether the database's schema fits this release (see `db::schema`). Its reason names
/// migration numbers only, nothing from the database.
#[derive(Serialize)]
struct SchemaCheck {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Ready to take traffic: PostgreSQL and Redis answer and the schema fits this release
/// (never serving against a schema it was not built for). 503 with the failing check
/// named when not; the load balancer then sends nothing here, and neither does a
/// rollout move on.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let (fit, redis) = tokio::join!(schema::fit(&state.db), state.redis.ping());
    let (postgres, schema) = match fit {
        Ok(fit) => (
            Check::of::<sqlx::Error>("postgres", Ok(())),
            SchemaCheck {
                ok: fit.is_compatible(),
                error: (!fit.is_compatible()).then(|| fit.describe()),
            },
        ),
        Err(error) => (
            Check::of("postgres", Err(error)),
            SchemaCheck {
                ok: false,
                error: Some("unknown while PostgreSQL is unreachable".into()),
            },
        ),
    };
    let checks = Checks {
        postgres,
        redis: Check::of("redis", redis),
        schema,
    };
    let ok = checks.postgres.ok && checks.redis.ok && checks.schema.ok;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if ok { "ready" } else { "unavailable" },
        checks,
    };
    (status, Json(body))
}

/// The operator's metrics (see `metrics`), with what the database and the router know
/// at this moment. A value the database cannot give is left out, and the rest served.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let queue =
        sqlx::query_as::<_, RunQueue>("SELECT waiting, oldest_wait_seconds FROM run_queue_state()")
            .fetch_one(&state.db);
    let backlog = sqlx::query_scalar::<_, i64>("SELECT webhook_backlog()").fetch_one(&state.db);
    let (queue, backlog) = tokio::join!(queue, backlog);
    let scrape = Scrape {
        pool_size: state.db.size(),
        pool_idle: u32::try_from(state.db.num_idle()).unwrap_or(u32::MAX),
        pool_max: state.db.options().get_max_connections(),
        run_queue: queue
            .inspect_err(
                |error| tracing::warn!(%error, "could not read the run queue for /metrics"),
            )
            .ok(),
        webhook_backlog: backlog
            .inspect_err(
                |error| tracing::warn!(%error, "could not read the webhook backlog for /metrics"),
            )
            .ok(),
        circuits: state
            .engine
            .router
            .circuits
            .snapshot()
            .into_iter()
            .map(|(provider, circuit)| (provider, circuit != CircuitState::Closed))
            .collect(),
        deployments: state.engine.deployment_status(),
    };
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        state.metrics.render(&scrape),
    )
}
