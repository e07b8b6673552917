//! Per-request observability: a tracing span carrying the request id (and, with traces
//! on, the OpenTelemetry server span), and the request counters and latency histogram
//! behind `/metrics`.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, MakeSpan, OnResponse, TraceLayer};
use tracing::field::Empty;
use tracing::{Level, Span};

use crate::state::AppState;
use crate::telemetry;

/// Each request's span, named and described as OpenTelemetry's HTTP conventions say
/// (`GET /v1/runs/{id}`: the route pattern, never the raw path), continuing the caller's
/// trace when it sends a `traceparent`.
#[derive(Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> Span {
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let method = request.method().as_str();
        let span = tracing::info_span!(
            "request",
            otel.name = %route.map_or_else(|| method.to_string(), |route| format!("{method} {route}")),
            otel.kind = "server",
            otel.status_code = Empty,
            request_id,
            http.request.method = method,
            http.route = route,
            url.path = request.uri().path(),
            http.response.status_code = Empty,
        );
        telemetry::context::continue_request(&span, request.headers());
        span
    }
}

/// Logs the answer as before, and records its status on the span (5xx marks it failed).
#[derive(Clone, Copy)]
pub struct RequestEnd;

impl<B> OnResponse<B> for RequestEnd {
    fn on_response(self, response: &axum::http::Response<B>, latency: Duration, span: &Span) {
        let status = response.status();
        span.record("http.response.status_code", status.as_u16());
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
        DefaultOnResponse::new()
            .level(Level::INFO)
            .on_response(response, latency, span);
    }
}

pub fn trace_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, DefaultOnRequest, RequestEnd> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_response(RequestEnd)
}

/// Counts the request under its route pattern (never the raw path, which would let
/// any visitor create unbounded label sets).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
