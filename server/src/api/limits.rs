//! Every `/v1` response carries the caller's rate limit (`X-RateLimit-Limit`,
//! `-Remaining`, `-Reset` in seconds); a request over it gets 429 with `Retry-After`.
//! Teams are limited by their plan; callers without a key by their address.

use app::backend::ClientInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::Identity;
use super::problem::Problem;
use crate::rate_limit::Decision;
use crate::state::AppState;

pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = state.config.rate_limits;
    let (bucket, limit, plan) = match request.extensions().get::<Identity>() {
        Some(Identity::Caller(caller)) => (
            format!("team:{}", caller.actor.team_id),
            limits.for_plan(caller.plan),
            caller.plan.as_str(),
        ),
        _ => {
            let ip = request
                .extensions()
                .get::<ClientInfo>()
                .and_then(|info| info.ip)
                .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
            (format!("ip:{ip}"), limits.anonymous, "anonymous")
        }
    };
    let decision = state.rate_limiter.check(&state.redis, &bucket, limit).await;
    let mut response = if decision.admitted {
        next.run(request).await
    } else {
        state.metrics.rate_limited(plan);
        Problem::rate_limited(decision.limit, decision.reset_secs).into_response()
    };
    set_headers(response.headers_mut(), decision);
    response
}

fn set_headers(headers: &mut HeaderMap, decision: Decision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(decision.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(decision.reset_secs));
}
