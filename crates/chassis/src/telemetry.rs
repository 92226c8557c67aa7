//! Logs and traces. JSON logs on stdout (for Promtail/Loki) unless stdout is a terminal; every
//! line inside a request carries its request id and trace id. Spans are exported over OTLP/HTTP
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; W3C trace context is propagated either way.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

/// Flushes pending spans when dropped; keep it alive for the life of the process.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

/// Whether spans are recorded: when an OTLP endpoint is configured. Without one, spans cost
/// nothing and the incoming `traceparent` is passed on unchanged (see `client`), so a trace
/// started upstream still reaches downstream services.
pub fn exporting() -> bool {
    std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some_and(|v| !v.is_empty())
}

/// Installs the global subscriber. Safe to call more than once (later calls only return a
/// guard), which tests rely on.
pub fn init(service_name: &str, format: LogFormat, filter: &str) -> TelemetryGuard {
    init_with(service_name, format, filter, exporting())
}

fn init_with(
    service_name: &str,
    format: LogFormat,
    filter: &str,
    record_spans: bool,
) -> TelemetryGuard {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());

    let mut builder = SdkTracerProvider::builder().with_resource(
        Resource::builder()
            .with_service_name(service_name.to_string())
            .build(),
    );
    if exporting() {
        // OTLP over HTTP/protobuf (port 4318); endpoint, headers and sampler come from the
        // standard OTEL_* variables.
        match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => builder = builder.with_batch_exporter(exporter),
            Err(err) => eprintln!("wayfare: OTLP exporter disabled: {err}"),
        }
    }
    let provider = builder.build();
    let tracer = provider.tracer("wayfare");
    opentelemetry::global::set_tracer_provider(provider.clone());
    let otel_layer = record_spans.then(|| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
    });

    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    let fmt_layer = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().compact().boxed()
    };
    // Separate filters: quiet logs must not stop the spans that carry trace context.
    let installed = tracing_subscriber::registry()
        .with(fmt_layer.with_filter(filter))
        .with(otel_layer)
        .try_init()
        .is_ok();
    TelemetryGuard {
        provider: installed.then_some(provider),
    }
}

/// For tests: records spans (so trace context is exercised end to end) and logs only when
/// `TEST_LOG` is set.
pub fn init_for_tests() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = if std::env::var_os("TEST_LOG").is_some() {
            "info"
        } else {
            "off"
        };
        std::mem::forget(init_with("wayfare-test", LogFormat::Pretty, filter, true));
    });
}
