//! The client every service uses to call another: a per-attempt timeout, retries with jittered
//! backoff only for idempotent requests, a circuit breaker per upstream, and the request id and
//! W3C trace context of the current request passed on.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use opentelemetry::propagation::Injector;
use opentelemetry::trace::TraceContextExt;
use rand::Rng;
use serde::de::DeserializeOwned;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::error::ApiError;

/// Failures worth telling apart: the caller maps them to 502/503/504.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{upstream} is failing; circuit open")]
    CircuitOpen { upstream: &'static str },
    #[error("{upstream} did not answer within {timeout_ms} ms")]
    Timeout {
        upstream: &'static str,
        timeout_ms: u128,
    },
    #[error("{upstream} unreachable: {reason}")]
    Unreachable {
        upstream: &'static str,
        reason: String,
    },
    #[error("{upstream} answered {status}")]
    Status {
        upstream: &'static str,
        status: u16,
        body: String,
    },
    #[error("{upstream} sent an unreadable answer: {reason}")]
    Decode {
        upstream: &'static str,
        reason: String,
    },
}

impl From<ClientError> for ApiError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Timeout { .. } => ApiError::GatewayTimeout(err.to_string()),
            ClientError::CircuitOpen { .. } => ApiError::Unavailable(err.to_string()),
            ClientError::Unreachable { .. } => ApiError::Unavailable(err.to_string()),
            ClientError::Status { .. } | ClientError::Decode { .. } => {
                ApiError::BadGateway(err.to_string())
            }
        }
    }
}

/// Retry and breaker settings; the defaults suit calls inside one cluster.
#[derive(Clone, Debug)]
pub struct ClientPolicy {
    pub timeout: Duration,
    /// Extra attempts for idempotent requests.
    pub retries: u32,
    pub backoff: Duration,
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one trial call is let through.
    pub open_for: Duration,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            retries: 2,
            backoff: Duration::from_millis(50),
            failure_threshold: 5,
            open_for: Duration::from_secs(5),
        }
    }
}

/// A request to an upstream; `path` includes the query string.
pub struct Outbound {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
}

impl Outbound {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    pub fn json<T: serde::Serialize>(method: Method, path: impl Into<String>, body: &T) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let body = serde_json::to_vec(body).expect("serialising a request body cannot fail");
        Self {
            method,
            path: path.into(),
            headers,
            body: Some(Bytes::from(body)),
        }
    }

    /// GET, HEAD, PUT, DELETE and OPTIONS are idempotent by definition; a POST is when it
    /// carries an `Idempotency-Key` (the callee deduplicates it).
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ) || self.headers.contains_key("idempotency-key")
    }
}

#[derive(Clone)]
pub struct ServiceClient {
    upstream: &'static str,
    base_url: String,
    http: reqwest::Client,
    policy: ClientPolicy,
    breaker: Arc<CircuitBreaker>,
    identity: Option<crate::identity::ServiceIdentity>,
}

impl ServiceClient {
    pub fn new(upstream: &'static str, base_url: &str, policy: ClientPolicy) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(policy.timeout.min(Duration::from_secs(2)))
            .pool_idle_timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client configuration is static");
        Self {
            upstream,
            base_url: base_url.trim_end_matches('/').to_string(),
            http,
            breaker: Arc::new(CircuitBreaker::new(
                policy.failure_threshold,
                policy.open_for,
            )),
            policy,
            identity: None,
        }
    }

    /// Calls made with this client carry a service token naming `identity` as the caller.
    pub fn with_identity(mut self, identity: crate::identity::ServiceIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    pub fn upstream(&self) -> &'static str {
        self.upstream
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `req`, retrying idempotent requests on connection errors, timeouts and 502/503/504.
    /// Any other answer (including 4xx and 500) is returned as is for the caller to interpret.
    pub async fn send(&self, req: Outbound) -> Result<reqwest::Response, ClientError> {
        let attempts = if req.is_idempotent() {
            self.policy.retries + 1
        } else {
            1
        };
        let mut headers = req.headers.clone();
        propagate_context(&mut headers);
        if let Some(identity) = &self.identity {
            if let Ok(value) = HeaderValue::from_str(&identity.token_for(self.upstream)) {
                headers.insert(crate::identity::SERVICE_TOKEN_HEADER, value);
            }
        }
        let url = format!("{}{}", self.base_url, req.path);
        let mut last_error = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                let base = self.policy.backoff * 2u32.pow(attempt - 1);
                let jitter = rand::thread_rng().gen_range(0..=base.as_millis() as u64 / 2 + 1);
                tokio::time::sleep(base + Duration::from_millis(jitter)).await;
            }
            if !self.breaker.allow() {
                metrics::counter!("client_circuit_open_total", "upstream" => self.upstream)
                    .increment(1);
                return Err(last_error.unwrap_or(ClientError::CircuitOpen {
                    upstream: self.upstream,
                }));
            }
            let mut builder = self
                .http
                .request(req.method.clone(), &url)
                .headers(headers.clone())
                .timeout(self.policy.timeout);
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            let outcome = builder.send().await;
            match outcome {
                Ok(response) if is_retryable_status(response.status().as_u16()) => {
                    self.breaker.record_failure();
                    let status = response.status().as_u16();
                    if attempt + 1 == attempts {
                        return Ok(response);
                    }
                    last_error = Some(ClientError::Status {
                        upstream: self.upstream,
                        status,
                        body: String::new(),
                    });
                }
                Ok(response) => {
                    self.breaker.record_success();
                    return Ok(response);
                }
                Err(err) => {
                    self.breaker.record_failure();
                    last_error = Some(if err.is_timeout() {
                        ClientError::Timeout {
                            upstream: self.upstream,
                            timeout_ms: self.policy.timeout.as_millis(),
                        }
                    } else {
                        ClientError::Unreachable {
                            upstream: self.upstream,
                            reason: root_cause(&err),
                        }
                    });
                }
            }
        }
        Err(last_error.expect("at least one attempt was made"))
    }

    /// GET a JSON document; non-2xx answers become [`ClientError::Status`].
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let response = self.send(Outbound::get(path)).await?;
        self.read_json(response).await
    }

    pub async fn read_json<T: DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ClientError> {
        let status = response.status();
        let body = response.bytes().await.map_err(|e| ClientError::Decode {
            upstream: self.upstream,
            reason: e.to_string(),
        })?;
        if !status.is_success() {
            return Err(ClientError::Status {
                upstream: self.upstream,
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode {
            upstream: self.upstream,
            reason: e.to_string(),
        })
    }
}

fn is_retryable_status(status: u16) -> bool {
    matches!(status, 502..=504)
}

fn root_cause(err: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// Adds `x-request-id` and the W3C trace context of the current request to outgoing headers:
/// this service's span when spans are recorded, else the caller's context unchanged.
pub fn propagate_context(headers: &mut HeaderMap) {
    let request = crate::server::current_request();
    if let Some(request) = &request {
        if let Ok(value) = HeaderValue::from_str(&request.request_id) {
            headers.insert(crate::server::REQUEST_ID, value);
        }
    }
    let context = tracing::Span::current().context();
    if context.span().span_context().is_valid() {
        opentelemetry::global::get_text_map_propagator(|p| {
            p.inject_context(&context, &mut HeaderInjector(headers))
        });
    } else if let Some(request) = request {
        if let Some(value) = request.traceparent {
            headers.insert("traceparent", value);
        }
        if let Some(value) = request.tracestate {
            headers.insert("tracestate", value);
        }
    }
}

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Closed → (threshold consecutive failures) → open → (after `open_for`) one trial call →
/// closed on success, open again on failure.
pub struct CircuitBreaker {
    threshold: u32,
    open_for: Duration,
    failures: AtomicU32,
    opened_at_ms: AtomicU64,
    trial_in_flight: AtomicBool,
    epoch: Instant,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            open_for,
            failures: AtomicU32::new(0),
            opened_at_ms: AtomicU64::new(0),
            trial_in_flight: AtomicBool::new(false),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    pub fn is_open(&self) -> bool {
        self.opened_at_ms.load(Ordering::Acquire) != 0
    }

    pub fn allow(&self) -> bool {
        let opened = self.opened_at_ms.load(Ordering::Acquire);
        if opened == 0 {
            return true;
        }
        if self.now_ms().saturating_sub(opened) < self.open_for.as_millis() as u64 {
            return false;
        }
        // Half-open: exactly one caller gets to try.
        self.trial_in_flight
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub fn record_success(&self) {
        self.failures.store(0, Ordering::Release);
        self.opened_at_ms.store(0, Ordering::Release);
        self.trial_in_flight.store(false, Ordering::Release);
    }

    pub fn record_failure(&self) {
        let failures = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
        let half_open_trial_failed = self.trial_in_flight.swap(false, Ordering::AcqRel);
        if failures >= self.threshold || half_open_trial_failed {
            self.opened_at_ms.store(self.now_ms(), Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_threshold_and_lets_one_trial_through() {
        let breaker = CircuitBreaker::new(3, Duration::from_millis(30));
        for _ in 0..3 {
            assert!(breaker.allow());
            breaker.record_failure();
        }
        assert!(!breaker.allow());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow(), "one trial after the open period");
        assert!(!breaker.allow(), "only one trial at a time");
        breaker.record_success();
        assert!(breaker.allow());
        assert!(!breaker.is_open());
    }

    #[test]
    fn only_safe_requests_are_idempotent() {
        assert!(Outbound::get("/x").is_idempotent());
        let mut post = Outbound::json(Method::POST, "/x", &serde_json::json!({}));
        assert!(!post.is_idempotent());
        post.headers
            .insert("idempotency-key", HeaderValue::from_static("k"));
        assert!(post.is_idempotent());
    }

    #[tokio::test]
    async fn without_recorded_spans_the_callers_trace_context_passes_through() {
        let context = crate::server::RequestContext {
            request_id: "r-1".into(),
            traceparent: Some(HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )),
            tracestate: Some(HeaderValue::from_static("vendor=x")),
        };
        let headers = crate::server::with_request_context(context, async {
            let mut headers = HeaderMap::new();
            propagate_context(&mut headers);
            headers
        })
        .await;
        assert_eq!(headers["x-request-id"], "r-1");
        assert_eq!(
            headers["traceparent"],
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        assert_eq!(headers["tracestate"], "vendor=x");
    }

    #[tokio::test]
    async fn unreachable_upstream_fails_fast_and_opens_the_circuit() {
        let policy = ClientPolicy {
            retries: 0,
            failure_threshold: 2,
            ..Default::default()
        };
        let client = ServiceClient::new("nowhere", "http://127.0.0.1:1", policy);
        let started = Instant::now();
        for _ in 0..2 {
            assert!(matches!(
                client.send(Outbound::get("/")).await,
                Err(ClientError::Unreachable { .. })
            ));
        }
        assert!(matches!(
            client.send(Outbound::get("/")).await,
            Err(ClientError::CircuitOpen { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
