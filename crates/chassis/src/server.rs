//! The HTTP side of every service: the standard middleware stack (request id, trace context,
//! RED metrics, timeout, body limit), the health endpoints, and serving with graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, State};
use axum::http::Request as HttpRequest;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::config::HttpSettings;

type Request<B = axum::body::Body> = HttpRequest<B>;
use crate::error::ApiError;
use crate::health::Health;

use crate::request::CURRENT_REQUEST;
pub use crate::request::{
    current_request, current_request_id, trace_id_of, with_request_context, with_request_id,
    BodyLimit, RequestContext, REQUEST_ID,
};

/// Per-service middleware settings.
#[derive(Clone, Debug)]
pub struct StackSettings {
    pub service: &'static str,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// What the service cannot answer without (its database): while one is down, a request
    /// that has not finished within [`OUTAGE_GRACE`] gets 503 at once instead of waiting for
    /// pool and request timeouts. Answers that need nothing down (a cached read) still go out.
    pub dependencies: Vec<crate::health::Availability>,
}

/// How long a request may still run once a dependency of its service is known to be down.
pub const OUTAGE_GRACE: Duration = Duration::from_millis(250);

impl StackSettings {
    pub fn from_http(service: &'static str, http: &HttpSettings) -> Self {
        Self {
            service,
            body_limit_bytes: http.body_limit_bytes,
            request_timeout: Duration::from_millis(http.request_timeout_ms),
            dependencies: Vec::new(),
        }
    }
}

/// Wraps a service's API router with the standard layers. Operational endpoints (`/healthz`,
/// `/readyz`, `/metrics`) are not here: they live on the separate operational port
/// ([`ops_router`]), so nothing on a public port can reach them.
pub fn service_router(api: Router, stack: StackSettings) -> Router {
    let router = api
        .layer(middleware::from_fn_with_state(
            stack.clone(),
            limit_and_timeout,
        ))
        .layer(DefaultBodyLimit::max(stack.body_limit_bytes))
        .layer(middleware::from_fn(framework_errors_as_problems))
        .layer(middleware::from_fn(reject_malformed_requests))
        .layer(middleware::from_fn_with_state(stack, request_context));
    security_headers(router)
}

/// The operational port: liveness, readiness (of everything `health` covers) and metrics.
pub fn ops_router(health: Health) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(health)
        .layer(middleware::from_fn(framework_errors_as_problems))
}

/// Browser-facing protections on every answer, errors included (an early 413 as much as a
/// page). Handlers may set their own values first.
fn security_headers(router: Router) -> Router {
    let headers: [(&str, &str); 6] = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("strict-transport-security", "max-age=63072000; includeSubDomains"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
        ),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            ),
        )
    })
}

/// Longest request target accepted (nginx's large_client_header_buffers is 8 KiB).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest total size of the request headers accepted.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Requests the HTTP library lets through but no service should serve, answered as
/// problem+json: a target that is too long (414), headers that are too large (431), and an
/// HTTP/1.1 request without `Host` (400, RFC 9112 §3.2).
async fn reject_malformed_requests(req: Request, next: Next) -> Response {
    // The length of the target as written (`uri.to_string()`, without allocating it).
    let uri = req.uri();
    let uri_len = uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return crate::error::Problem::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        )
        .into_response_with(StatusCode::URI_TOO_LONG);
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        return crate::error::Problem::new(
            status,
            "headers_too_large",
            format!("the request headers are larger than {MAX_HEADER_BYTES} bytes"),
        )
        .into_response_with(status);
    }
    if req.version() == http::Version::HTTP_11
        && !req.headers().contains_key(header::HOST)
        && req.uri().authority().is_none()
    {
        return ApiError::BadRequest("an HTTP/1.1 request must carry a Host header".into())
            .into_response();
    }
    next.run(req).await
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({"status": "ok"}))
}

async fn readyz(State(health): State<Health>) -> Response {
    let report = health.check().await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(report)).into_response()
}

async fn metrics_text() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(),
    )
}

/// Request id, trace context, span, access log and RED metrics for one request.
async fn request_context(
    State(stack): State<StackSettings>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = req.method().clone();

    let span = tracing::info_span!(
        "request",
        service = stack.service,
        method = %method,
        request_id = %request_id,
        trace_id = tracing::field::Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|p| {
        p.extract(&HeaderExtractor(req.headers()))
    });
    span.set_parent(parent);
    let traceparent = req.headers().get("traceparent").cloned();
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    } else if let Some(id) = traceparent.as_ref().and_then(trace_id_of) {
        span.record("trace_id", id);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(REQUEST_ID, value);
    }
    let context = RequestContext {
        request_id: request_id.clone(),
        tracestate: req.headers().get("tracestate").cloned(),
        traceparent,
    };

    let mut response = CURRENT_REQUEST
        .scope(context, next.run(req).instrument(span.clone()))
        .await;

    let status = response.status();
    let elapsed = started.elapsed();
    // A handler's own label beats a catch-all template such as the gateway's `/api/{*rest}`.
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map(|l| l.0.to_owned())
        .or(matched)
        .unwrap_or_else(|| "unmatched".to_owned());
    // The route goes on the access-log line itself, not on the span: recording a field on a
    // span makes the JSON log layer format all of the span's fields again (a profile of the
    // gateway showed span formatting at ~5% of its instructions).
    let quiet = matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics");
    crate::metrics::record_request(
        stack.service,
        &route,
        method.as_str(),
        status.as_u16(),
        elapsed,
    );
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let status = status.as_u16();
        let route = route.as_str();
        if quiet {
            tracing::debug!(route, status, latency_ms, "request completed");
        } else if status >= 500 {
            tracing::warn!(route, status, latency_ms, "request completed");
        } else {
            tracing::info!(route, status, latency_ms, "request completed");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Errors the framework answers by itself (an unmatched path, a wrong method, a query or path
/// that does not parse) come as plain text or an empty body; turn them into problem+json like
/// every other error.
async fn framework_errors_as_problems(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_string();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        // A proxy's or balancer's bare answer passed on (no replica ready behind it).
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        StatusCode::BAD_GATEWAY => "bad_gateway",
        StatusCode::GATEWAY_TIMEOUT => "gateway_timeout",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    };
    let detail = if detail.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        detail
    };
    let mut converted = crate::error::Problem::new(status, code, detail).into_response_with(status);
    // Keep headers such as Allow (405) and Retry-After.
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            converted.headers_mut().insert(name.clone(), value.clone());
        }
    }
    converted
}

/// A route label that a handler not matched by a path template (the gateway's proxy) puts in
/// its response extensions, so metrics stay low-cardinality.
#[derive(Clone, Copy, Debug)]
pub struct RouteLabel(pub &'static str);

/// Rejects declared oversized bodies early with 413 and bounds the request's time.
async fn limit_and_timeout(
    State(stack): State<StackSettings>,
    mut req: Request,
    next: Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > stack.body_limit_bytes) {
        let expects_continue = req
            .headers()
            .get(header::EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        // A client that asked `Expect: 100-continue` has sent nothing yet and reads our answer
        // first. Any other client is still sending: read (and discard) a bounded amount so it
        // sees the 413 instead of a reset connection (a lingering close, as nginx does).
        if !expects_continue {
            drain_briefly(req.into_body()).await;
        }
        let mut response = ApiError::PayloadTooLarge {
            limit: stack.body_limit_bytes,
        }
        .into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    req.extensions_mut()
        .insert(BodyLimit(stack.body_limit_bytes));
    let answer = tokio::time::timeout(stack.request_timeout, next.run(req));
    if stack.dependencies.is_empty() {
        return answer.await.unwrap_or_else(|_| timed_out(&stack));
    }
    let outage = futures::future::select_all(
        stack
            .dependencies
            .iter()
            .map(|d| Box::pin(d.down_for(OUTAGE_GRACE))),
    );
    tokio::select! {
        biased;
        answered = answer => answered.unwrap_or_else(|_| timed_out(&stack)),
        _ = outage => {
            let mut response = ApiError::Unavailable(
                "a service this request needs (its database) does not answer; try again shortly".into(),
            )
            .into_response();
            // A deliberate "not now": callers do not retry it at once (see client::send).
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

fn timed_out(stack: &StackSettings) -> Response {
    ApiError::Unavailable(format!(
        "the request took longer than {} ms",
        stack.request_timeout.as_millis()
    ))
    .into_response()
}

/// How much of an oversized body is read and thrown away before answering 413, at most.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

async fn drain_briefly(body: axum::body::Body) {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut read = 0usize;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Some(data) = frame.data_ref() {
                read += data.len();
                if read > DRAIN_BYTES {
                    break;
                }
            }
        }
    })
    .await;
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// Connection-level limits of every listener (nginx-like defaults, see `HttpSettings`).
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's headers, and to start the next request on a
    /// kept-alive connection (the idle timeout): a slowloris client is cut off after it.
    pub header_read_timeout: Duration,
    /// Open connections per listener; past it new connections wait in the kernel's backlog.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            max_connections: 4096,
        }
    }
}

/// A bound listener and the router it will serve.
pub struct BoundService {
    pub name: &'static str,
    pub listener: TcpListener,
    pub router: Router,
    pub limits: ConnectionLimits,
}

impl BoundService {
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// Serves until `stop` is cancelled, then stops accepting and lets in-flight requests
    /// finish for at most `grace`.
    pub async fn serve(self, stop: CancellationToken, grace: Duration) -> anyhow::Result<()> {
        use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
        use hyper_util::server::conn::auto;
        use tower::ServiceExt;

        let name = self.name;
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout)
            // Room above MAX_HEADER_BYTES so oversized headers reach our problem+json 431.
            .max_buf_size(MAX_HEADER_BYTES * 4);
        builder.http2().timer(TokioTimer::new());
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(
            self.limits.max_connections.max(1),
        ));
        loop {
            let permit = tokio::select! {
                _ = stop.cancelled() => break,
                permit = slots.clone().acquire_owned() => permit?,
            };
            let (stream, peer) = tokio::select! {
                _ = stop.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: back off, do not spin.
                        tracing::warn!(service = name, error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let service =
                hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    router.clone().oneshot(req.map(axum::body::Body::new))
                });
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(err) = connection.await {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                drop(permit);
            });
        }
        drop(self.listener);
        match tokio::time::timeout(grace, graceful.shutdown()).await {
            Ok(()) => {}
            Err(_) => tracing::warn!(
                service = name,
                "grace period over; dropping in-flight requests"
            ),
        }
        tracing::info!(service = name, "stopped");
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (not when
/// first polled), so a signal that arrives right after start-up is not lost.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => tokio::select! {
                    _ = interrupt.recv() => tracing::info!(signal = "SIGINT", "shutting down"),
                    _ = terminate.recv() => tracing::info!(signal = "SIGTERM", "shutting down"),
                },
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    fn stack(dependencies: Vec<crate::health::Availability>) -> StackSettings {
        StackSettings {
            service: "test",
            body_limit_bytes: 1024,
            request_timeout: Duration::from_secs(10),
            dependencies,
        }
    }

    async fn call(router: &Router, path: &str) -> (StatusCode, serde_json::Value, Duration) {
        let started = Instant::now();
        let request = Request::builder()
            .uri(path)
            .header(header::HOST, "localhost")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        (status, json, started.elapsed())
    }

    #[tokio::test]
    async fn while_the_database_is_down_requests_that_wait_on_it_get_a_503_at_once() {
        let (up, watched) = tokio::sync::watch::channel(true);
        let api = Router::new()
            .route(
                "/waits",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/cached", get(|| async { "fast" }));
        let router = service_router(api, stack(vec![crate::health::Availability::new(watched)]));
        let waiting = tokio::spawn({
            let router = router.clone();
            async move { call(&router, "/waits").await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        up.send(false).unwrap();
        let (status, body, took) = waiting.await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["code"], "service_unavailable");
        assert!(
            took < Duration::from_secs(1),
            "in flight when it went down: {took:?}"
        );
        let (status, _, took) = call(&router, "/waits").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(took < OUTAGE_GRACE * 3, "started while down: {took:?}");
        let (status, _, _) = call(&router, "/cached").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "what needs nothing down still answers"
        );
        up.send(true).unwrap();
        let slow = tokio::time::timeout(Duration::from_millis(400), call(&router, "/waits")).await;
        assert!(slow.is_err(), "once it is back, nothing is cut short");
    }

    #[tokio::test]
    async fn a_bare_503_passed_on_from_a_proxy_is_a_service_unavailable_problem() {
        let api = Router::new().route(
            "/",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "<html>No server is available</html>",
                )
            }),
        );
        let (status, body, _) = call(&service_router(api, stack(Vec::new())), "/").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["code"], "service_unavailable");
    }
}
