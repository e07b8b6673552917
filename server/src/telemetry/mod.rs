//! What the server tells its operator while it runs: structured logs (JSON lines by
//! default, one object per event with the request id from the request span, or text
//! for local debugging) and, when an OTLP endpoint is configured, the same spans as
//! OpenTelemetry traces.

pub mod context;
mod otlp;

use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

pub use otlp::TraceExport;

use crate::config::LogFormat;

/// Holds the trace exporter, if any; [`Telemetry::shutdown`] sends what is still queued.
#[must_use = "dropping it without shutdown loses the last spans"]
pub struct Telemetry {
    traces: Option<otlp::Exporter>,
}

impl Telemetry {
    /// Flushes the spans not yet exported (the last run's, the drain's). Blocks until the
    /// exporter is done or its timeout passes, so it runs off the async workers.
    pub async fn shutdown(self) {
        if let Some(traces) = self.traces {
            let _ = tokio::task::spawn_blocking(move || traces.shutdown()).await;
        }
    }
}

/// Installs the process's subscriber. Safe to call more than once (tests build many
/// servers in one process): only the first call installs anything.
pub fn init(format: LogFormat, traces: Option<&TraceExport>) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let logs = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
        LogFormat::Pretty => fmt::layer().boxed(),
    }
    .with_filter(filter);
    let exporter = traces.and_then(|export| match otlp::Exporter::start(export) {
        Ok(exporter) => Some(exporter),
        Err(error) => {
            // Logging is not up yet; this is the one line that cannot go through it.
            #[expect(clippy::print_stderr, reason = "the subscriber is not installed yet")]
            {
                eprintln!("agent-factory: traces are off: {error}");
            }
            None
        }
    });
    // Traces carry our own spans (requests, runs, model and tool calls) whatever the log
    // level, with our log lines as their events; other crates' chatter stays out. A static
    // `Targets` filter: a `filter_fn` here lost every span after a process's first run
    // (tracing-subscriber's per-layer filter state), which the trace test now checks.
    let spans = exporter.as_ref().map(|exporter| {
        tracing_opentelemetry::layer()
            .with_tracer(exporter.tracer())
            .with_location(false)
            .with_threads(false)
            .with_filter(Targets::new().with_target("server", Level::INFO))
    });
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(spans)
        .try_init()
        .is_ok();
    Telemetry {
        traces: exporter.filter(|_| installed),
    }
}
