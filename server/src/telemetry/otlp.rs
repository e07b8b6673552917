//! OpenTelemetry traces over OTLP/HTTP (protobuf), the protocol every collector and
//! tracing backend accepts. Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; the other standard variables apply as
//! the OpenTelemetry SDK defines them (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
//! `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`).
//!
//! The SDK's batch processor exports from its own thread; the requests go out on our
//! tokio runtime through the reqwest client the rest of the server uses, rather than a
//! second HTTP stack of the exporter's own.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use axum::http::{Request, Response};
use bytes::Bytes;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::config::{ConfigError, Vars};

/// Where traces go, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceExport {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub endpoint: String,
    pub service_name: String,
    pub timeout: Duration,
}

impl TraceExport {
    /// `None` when no endpoint is set: traces are off.
    pub(crate) fn from_vars<F: Fn(&str) -> Option<String>>(
        vars: &Vars<'_, F>,
    ) -> Result<Option<TraceExport>, ConfigError> {
        let set = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty());
        let (endpoint, name) = match (
            set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            set("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(traces), _) => (traces, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            (None, Some(base)) => (
                format!("{}/v1/traces", base.trim().trim_end_matches('/')),
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (None, None) => return Ok(None),
        };
        let parsed = url::Url::parse(endpoint.trim());
        if !parsed
            .as_ref()
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        {
            return Err(ConfigError::Invalid {
                name,
                value: endpoint,
                reason: "an http:// or https:// URL of an OTLP/HTTP receiver".into(),
            });
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(protocol) = set(name).filter(|p| p.trim() != "http/protobuf") {
                return Err(ConfigError::Invalid {
                    name,
                    value: protocol,
                    reason: "traces are sent as http/protobuf (OTLP over HTTP); \
                             point the endpoint at the receiver's HTTP port (4318)"
                        .into(),
                });
            }
        }
        let timeout_ms = match set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") {
            Some(_) => vars.parse("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", 10_000u64)?,
            None => vars.parse("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000u64)?,
        };
        Ok(Some(TraceExport {
            endpoint: endpoint.trim().to_string(),
            service_name: set("OTEL_SERVICE_NAME").unwrap_or_else(|| "agent-factory".into()),
            timeout: Duration::from_millis(timeout_ms.max(1)),
        }))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("tracing needs the async runtime to be running")]
    NoRuntime,
    #[error("could not build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("could not build the OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// The tracer provider with its batch exporter.
pub(super) struct Exporter {
    provider: SdkTracerProvider,
}

impl Exporter {
    pub(super) fn start(export: &TraceExport) -> Result<Exporter, ExportError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExportError::NoRuntime)?;
        let client = reqwest::Client::builder().timeout(export.timeout).build()?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(export.endpoint.clone())
            .with_timeout(export.timeout)
            .with_http_client(OnRuntime { client, runtime })
            .build()?;
        let resource = Resource::builder()
            .with_service_name(export.service_name.clone())
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        Ok(Exporter { provider })
    }

    pub(super) fn tracer(&self) -> SdkTracer {
        self.provider.tracer("agent-factory")
    }

    /// Exports what is queued and stops the exporter's thread. Blocking.
    pub(super) fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "the last spans could not be exported");
        }
    }
}

/// Sends the exporter's requests on the server's runtime: the batch processor calls
/// from a thread of its own, where the request is handed over and awaited.
struct OnRuntime {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl fmt::Debug for OnRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnRuntime")
    }
}

#[async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let mut answer = Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = response.bytes().await?;
            Ok::<_, HttpError>(answer.body(body)?)
        });
        sent.await?
    }
}
