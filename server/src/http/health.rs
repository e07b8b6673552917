//! Liveness, readiness and metrics: the endpoints load balancers and Prometheus use.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

use crate::metrics::PoolUse;
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
}

/// Ready to take traffic: PostgreSQL and Redis both answer. 503 with the failing check
/// named when either does not.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let postgres = async { sqlx::query("SELECT 1").execute(&state.db).await.map(|_| ()) };
    let (postgres, redis) = tokio::join!(postgres, state.redis.ping());
    let checks = Checks {
        postgres: Check::of("postgres", postgres),
        redis: Check::of("redis", redis),
    };
    let ok = checks.postgres.ok && checks.redis.ok;
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

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let pool = PoolUse {
        size: state.db.size(),
        idle: u32::try_from(state.db.num_idle()).unwrap_or(u32::MAX),
        max: state.db.options().get_max_connections(),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&pool),
    )
}
