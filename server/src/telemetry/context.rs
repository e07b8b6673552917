//! W3C trace context in and out: a request's `traceparent` header becomes its span's
//! parent, and a run keeps the trace context of the request that queued it, so the worker
//! that executes it (in any process) continues the same trace. Without an exporter
//! every span is a no-op and these functions see no context.

use std::collections::HashMap;

use axum::http::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

const TRACEPARENT: &str = "traceparent";

/// The current span's context as a `traceparent` value, if tracing is on.
pub fn current_traceparent() -> Option<String> {
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&Span::current().context(), &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of the remote span a stored `traceparent` names. A malformed
/// value is ignored: the span starts a trace of its own.
pub fn continue_from(span: &Span, traceparent: Option<&str>) {
    let Some(traceparent) = traceparent else {
        return;
    };
    let carrier = HashMap::from([(TRACEPARENT.to_string(), traceparent.to_string())]);
    set_remote_parent(span, TraceContextPropagator::new().extract(&carrier));
}

/// Makes a request's span a child of the caller's span, from its `traceparent` (and
/// `tracestate`) headers.
pub fn continue_request(span: &Span, headers: &HeaderMap) {
    if headers.contains_key(TRACEPARENT) {
        set_remote_parent(
            span,
            TraceContextPropagator::new().extract(&Headers(headers)),
        );
    }
}

fn set_remote_parent(span: &Span, parent: opentelemetry::Context) {
    if parent.span().span_context().is_valid() {
        // Fails only when tracing is off or the span already started: nothing to join.
        let _ = span.set_parent(parent);
    }
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}
