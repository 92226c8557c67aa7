//! The client every service uses to call another: a per-attempt timeout, retries with jittered
//! backoff only for idempotent requests, a circuit breaker per upstream, and the request id and
//! W3C trace context of the current request passed on.

use std::sync::atomic::{AtomicU64, Ordering};
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
    /// The request could not be sent at all (a local mistake, not the upstream's health).
    #[error("request to {upstream} could not be built: {reason}")]
    Invalid {
        upstream: &'static str,
        reason: String,
    },
}

/// The client sees a generic detail; which upstream failed and why is logged with the
/// request id (so internals such as service names and library messages never leak).
impl From<ClientError> for ApiError {
    fn from(err: ClientError) -> Self {
        tracing::warn!(error = %err, "upstream call failed");
        match err {
            ClientError::Timeout { .. } => ApiError::GatewayTimeout(
                "a service this request needs did not answer in time".into(),
            ),
            ClientError::CircuitOpen { .. } | ClientError::Unreachable { .. } => {
                ApiError::Unavailable(
                    "a service this request needs is unavailable; try again shortly".into(),
                )
            }
            // An upstream that kept saying it is unavailable (its retries spent the budget) is
            // unavailable to our caller too, not a broken gateway.
            ClientError::Status { status: 503, .. } => ApiError::Unavailable(
                "a service this request needs is unavailable; try again shortly".into(),
            ),
            ClientError::Status { status: 504, .. } => ApiError::GatewayTimeout(
                "a service this request needs did not answer in time".into(),
            ),
            ClientError::Status { .. } | ClientError::Decode { .. } => {
                ApiError::BadGateway("a service this request needs answered unexpectedly".into())
            }
            ClientError::Invalid { .. } => ApiError::Internal(anyhow::anyhow!(err)),
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
    /// The whole call, every attempt and pause included; attempts are cut to what remains.
    /// Must fit inside the calling request's own deadline (checked at start-up).
    pub budget: Duration,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            retries: 2,
            backoff: Duration::from_millis(50),
            failure_threshold: 5,
            // Short: one trial call every 2 s is little load on a struggling upstream, and a
            // recovered one is used again within 2 s (the database-outage drill's bound is 5).
            open_for: Duration::from_secs(2),
            budget: Duration::from_secs(3),
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
    /// `base_url` parsed once: each call's URL is this with its path and query set, which
    /// skips parsing (and IDNA-checking) the host again on every call.
    base: Option<reqwest::Url>,
    http: reqwest::Client,
    policy: ClientPolicy,
    breaker: Arc<CircuitBreaker>,
    identity: Option<crate::service_identity::ServiceIdentity>,
}

impl ServiceClient {
    pub fn new(upstream: &'static str, base_url: &str, policy: ClientPolicy) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(policy.timeout.min(Duration::from_secs(2)))
            .pool_idle_timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client configuration is static");
        let base_url = base_url.trim_end_matches('/').to_string();
        Self {
            upstream,
            base: reqwest::Url::parse(&base_url)
                .ok()
                .filter(|u| u.path() == "/" && u.query().is_none() && !u.cannot_be_a_base()),
            base_url,
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
    pub fn with_identity(mut self, identity: crate::service_identity::ServiceIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    pub fn upstream(&self) -> &'static str {
        self.upstream
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `req` within the policy's budget, retrying idempotent requests on connection
    /// errors and 502/503/504 while budget remains. Any other answer (4xx, 500) is returned as
    /// is for the caller to interpret.
    ///
    /// The circuit breaker sees one outcome per call, however many attempts it took: a failure
    /// only when the upstream itself could not be reached or a proxy in front of it answered a
    /// bare 502/503/504. A deliberate problem+json answer (even a 503) is the upstream speaking;
    /// a request that cannot be built (a local mistake) and a call abandoned by its caller
    /// count as nothing.
    pub async fn send(&self, req: Outbound) -> Result<reqwest::Response, ClientError> {
        let attempts = if req.is_idempotent() {
            self.policy.retries + 1
        } else {
            1
        };
        let url = self.url_for(&req.path)?;
        let Outbound {
            method,
            mut headers,
            body,
            ..
        } = req;
        propagate_context(&mut headers);
        if let Some(identity) = &self.identity {
            if let Ok(value) = HeaderValue::from_str(&identity.token_for(self.upstream)) {
                headers.insert(crate::service_identity::SERVICE_TOKEN_HEADER, value);
            }
        }
        let Some(permit) = self.breaker.try_acquire() else {
            metrics::counter!("client_circuit_open_total", "upstream" => self.upstream)
                .increment(1);
            return Err(ClientError::CircuitOpen {
                upstream: self.upstream,
            });
        };
        let deadline = Instant::now() + self.policy.budget.max(Duration::from_millis(1));
        let mut last_error = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                let base = self.policy.backoff * 2u32.pow(attempt - 1);
                let jitter = rand::thread_rng().gen_range(0..=base.as_millis() as u64 / 2 + 1);
                let pause = base + Duration::from_millis(jitter);
                // No retry that cannot finish in time, and none once the circuit has opened
                // because of other calls.
                if Instant::now() + pause >= deadline
                    || (self.breaker.is_open() && !permit.is_trial())
                {
                    break;
                }
                tokio::time::sleep(pause).await;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            // The last attempt takes the headers; earlier ones (retries) send copies.
            let attempt_headers = if attempt + 1 == attempts {
                std::mem::take(&mut headers)
            } else {
                headers.clone()
            };
            let mut builder = self
                .http
                .request(method.clone(), url.clone())
                .headers(attempt_headers)
                .timeout(self.policy.timeout.min(remaining));
            if let Some(body) = &body {
                builder = builder.body(body.clone());
            }
            match builder.send().await {
                Ok(response) if is_bare_gateway_error(&response) => {
                    let status = response.status().as_u16();
                    if attempt + 1 == attempts {
                        permit.failure();
                        return Ok(response);
                    }
                    last_error = Some(ClientError::Status {
                        upstream: self.upstream,
                        status,
                        body: String::new(),
                    });
                }
                Ok(response) if is_deliberate_not_now(&response) => {
                    // The upstream is alive and said when to come back (a dependency of its
                    // is down, or it is at capacity): asking again at once would only add
                    // latency and load.
                    permit.success();
                    return Ok(response);
                }
                Ok(response) if is_retryable_status(response.status().as_u16()) => {
                    // The upstream answered on purpose (problem+json): it is alive.
                    if attempt + 1 == attempts {
                        permit.success();
                        return Ok(response);
                    }
                    last_error = Some(ClientError::Status {
                        upstream: self.upstream,
                        status: response.status().as_u16(),
                        body: String::new(),
                    });
                }
                Ok(response) => {
                    permit.success();
                    return Ok(response);
                }
                Err(err) if err.is_builder() => {
                    permit.forget();
                    return Err(ClientError::Invalid {
                        upstream: self.upstream,
                        reason: root_cause(&err),
                    });
                }
                Err(err) => {
                    last_error = Some(if err.is_timeout() {
                        ClientError::Timeout {
                            upstream: self.upstream,
                            timeout_ms: self.policy.timeout.min(remaining).as_millis(),
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
        match &last_error {
            Some(ClientError::Status { .. }) => permit.success(),
            _ => permit.failure(),
        }
        Err(last_error.unwrap_or(ClientError::Timeout {
            upstream: self.upstream,
            timeout_ms: self.policy.budget.as_millis(),
        }))
    }

    /// The full URL of `path`, refused locally when it could never be sent (too long, not a
    /// valid URI): a caller's mistake must not look like an upstream failure.
    fn url_for(&self, path: &str) -> Result<reqwest::Url, ClientError> {
        let invalid = |reason: String| ClientError::Invalid {
            upstream: self.upstream,
            reason,
        };
        if !path.starts_with('/') || path.len() > MAX_PATH_BYTES {
            return Err(invalid(format!(
                "path must start with / and be at most {MAX_PATH_BYTES} bytes"
            )));
        }
        let url = match &self.base {
            Some(base) => {
                let mut url = base.clone();
                let (path_only, query) = match path.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (path, None),
                };
                url.set_path(path_only);
                url.set_query(query);
                url
            }
            None => reqwest::Url::parse(&format!("{}{}", self.base_url, path))
                .map_err(|e| invalid(e.to_string()))?,
        };
        http::Uri::try_from(url.as_str()).map_err(|e| invalid(e.to_string()))?;
        Ok(url)
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

/// A problem+json 503 with `Retry-After`: the upstream itself asks to be left alone for now.
fn is_deliberate_not_now(response: &reqwest::Response) -> bool {
    response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE
        && response.headers().contains_key(http::header::RETRY_AFTER)
        && !is_bare_gateway_error(response)
}

/// A 502/503/504 that is not a problem+json from a Wayfare service: a proxy or load balancer
/// in front of the upstream found nobody home.
fn is_bare_gateway_error(response: &reqwest::Response) -> bool {
    is_retryable_status(response.status().as_u16())
        && !response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with(crate::error::PROBLEM_JSON))
}

/// The `code` of a problem+json body an upstream answered, if it is one.
pub fn problem_code(body: &str) -> Option<String> {
    serde_json::from_str::<crate::error::Problem>(body)
        .ok()
        .map(|p| p.code)
}

/// The `detail` of a problem+json body, else the body itself.
pub fn problem_detail(body: &str) -> String {
    serde_json::from_str::<crate::error::Problem>(body)
        .map(|p| p.detail)
        .unwrap_or_else(|_| body.to_string())
}

/// Longest path (with query) a client sends; longer ones are refused before any call.
pub const MAX_PATH_BYTES: usize = 8 * 1024;

/// Characters left as they are in a path segment (RFC 3986 unreserved but `.`); everything
/// else, including `/`, `.` and `%`, is percent-encoded, so no value is ever a dot-segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// Builds an upstream path from fixed parts and caller-supplied segments, each segment
/// percent-encoded so that `..`, `/` or `?` inside a value can never change which endpoint is
/// called (a confused deputy). `path(&["api", "catalog", "products", id])`.
pub fn path(segments: &[&str]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        out.extend(percent_encoding::utf8_percent_encode(segment, SEGMENT));
    }
    out
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
    let request = crate::request::current_request();
    if let Some(request) = &request {
        if let Ok(value) = HeaderValue::from_str(&request.request_id) {
            headers.insert(crate::request::REQUEST_ID, value);
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

/// Closed → (threshold consecutive failed calls) → open → (after `open_for`) one trial call
/// → closed on success, open again on failure.
///
/// A call holds a [`Permit`] for its whole life. A permit that is dropped without an outcome
/// (the caller's request was cancelled, or the call failed for a local reason) counts as
/// neither success nor failure, and a half-open trial that is dropped frees the trial slot at
/// once. A trial slot that nobody frees (a call stuck longer than its own deadline) expires
/// after `trial_timeout`, so the breaker can never wedge open.
pub struct CircuitBreaker {
    threshold: u32,
    open_for: Duration,
    trial_timeout: Duration,
    state: std::sync::Mutex<BreakerState>,
}

#[derive(Debug, Clone, Copy)]
enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        since: Instant,
    },
    /// A trial call (identified by `trial`) is in flight since `started`.
    HalfOpen {
        trial: u64,
        started: Instant,
    },
}

/// The right to make one call; records its outcome, or nothing when dropped.
#[must_use = "record the outcome with success() or failure(); dropping counts as neither"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    /// `Some(id)` when this call is the half-open trial.
    trial: Option<u64>,
    settled: bool,
}

static NEXT_TRIAL: AtomicU64 = AtomicU64::new(1);

impl CircuitBreaker {
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Self::with_trial_timeout(
            threshold,
            open_for,
            open_for.max(Duration::from_secs(1)) * 3,
        )
    }

    /// `trial_timeout` bounds how long one half-open trial may hold the slot.
    pub fn with_trial_timeout(threshold: u32, open_for: Duration, trial_timeout: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            open_for,
            trial_timeout,
            state: std::sync::Mutex::new(BreakerState::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_open(&self) -> bool {
        !matches!(*self.lock(), BreakerState::Closed { .. })
    }

    /// A permit for one call, or `None` while the circuit is open (or its trial is running).
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut state = self.lock();
        let now = Instant::now();
        let trial = match *state {
            BreakerState::Closed { .. } => None,
            BreakerState::Open { since } if now.duration_since(since) < self.open_for => {
                return None
            }
            BreakerState::HalfOpen { started, .. }
                if now.duration_since(started) < self.trial_timeout =>
            {
                return None
            }
            // Open long enough, or the running trial overstayed: this caller is the trial.
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => {
                let id = NEXT_TRIAL.fetch_add(1, Ordering::Relaxed);
                *state = BreakerState::HalfOpen {
                    trial: id,
                    started: now,
                };
                Some(id)
            }
        };
        Some(Permit {
            breaker: self,
            trial,
            settled: false,
        })
    }

    fn on_success(&self, trial: Option<u64>) {
        let mut state = self.lock();
        match (*state, trial) {
            (BreakerState::Closed { .. }, None) => *state = BreakerState::Closed { failures: 0 },
            (BreakerState::HalfOpen { trial: current, .. }, Some(id)) if current == id => {
                *state = BreakerState::Closed { failures: 0 }
            }
            // A late answer from a call made before the circuit opened, or a stale trial:
            // the circuit's state is decided by the current trial.
            _ => {}
        }
    }

    fn on_failure(&self, trial: Option<u64>) {
        let mut state = self.lock();
        let now = Instant::now();
        match (*state, trial) {
            (BreakerState::Closed { failures }, None) => {
                let failures = failures + 1;
                *state = if failures >= self.threshold {
                    BreakerState::Open { since: now }
                } else {
                    BreakerState::Closed { failures }
                };
            }
            (BreakerState::HalfOpen { trial: current, .. }, Some(id)) if current == id => {
                *state = BreakerState::Open { since: now }
            }
            _ => {}
        }
    }

    /// A trial that ended without an outcome: let the next caller try straight away.
    fn on_abandoned(&self, trial: u64) {
        let mut state = self.lock();
        if let BreakerState::HalfOpen { trial: current, .. } = *state {
            if current == trial {
                *state = BreakerState::Open {
                    since: Instant::now() - self.open_for,
                };
            }
        }
    }
}

impl Permit<'_> {
    pub fn success(mut self) {
        self.settled = true;
        self.breaker.on_success(self.trial);
    }

    pub fn failure(mut self) {
        self.settled = true;
        self.breaker.on_failure(self.trial);
    }

    /// Ends the call without an outcome (a local or client-caused error).
    pub fn forget(self) {}

    pub fn is_trial(&self) -> bool {
        self.trial.is_some()
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let (false, Some(trial)) = (self.settled, self.trial) {
            self.breaker.on_abandoned(trial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_that_stays_unavailable_is_a_503_to_the_caller_not_a_502() {
        let status = |code: u16| {
            ApiError::from(ClientError::Status {
                upstream: "catalog",
                status: code,
                body: String::new(),
            })
            .status()
            .as_u16()
        };
        assert_eq!(status(503), 503);
        assert_eq!(status(504), 504);
        assert_eq!(status(500), 502);
    }

    #[test]
    fn breaker_opens_after_threshold_and_lets_one_trial_through() {
        let breaker = CircuitBreaker::new(3, Duration::from_millis(30));
        for _ in 0..3 {
            breaker.try_acquire().expect("closed").failure();
        }
        assert!(breaker.try_acquire().is_none());
        std::thread::sleep(Duration::from_millis(40));
        let trial = breaker
            .try_acquire()
            .expect("one trial after the open period");
        assert!(breaker.try_acquire().is_none(), "only one trial at a time");
        trial.success();
        assert!(breaker.try_acquire().is_some());
        assert!(!breaker.is_open());
    }

    #[test]
    fn a_dropped_half_open_trial_frees_the_slot_and_counts_as_nothing() {
        let breaker = CircuitBreaker::new(1, Duration::from_millis(20));
        breaker.try_acquire().unwrap().failure();
        std::thread::sleep(Duration::from_millis(30));
        let trial = breaker.try_acquire().expect("trial");
        drop(trial); // the caller went away mid-call
        let next = breaker
            .try_acquire()
            .expect("the next caller gets to try at once");
        assert!(
            next.is_trial(),
            "still half-open: a cancelled call is not health"
        );
        next.success();
        assert!(!breaker.is_open());
    }

    #[test]
    fn a_stuck_trial_expires_on_a_timer() {
        let breaker = CircuitBreaker::with_trial_timeout(
            1,
            Duration::from_millis(10),
            Duration::from_millis(50),
        );
        breaker.try_acquire().unwrap().failure();
        std::thread::sleep(Duration::from_millis(20));
        let stuck = breaker.try_acquire().expect("trial");
        assert!(breaker.try_acquire().is_none());
        std::thread::sleep(Duration::from_millis(60));
        let fresh = breaker.try_acquire().expect("the stuck trial expired");
        fresh.success();
        // The stale trial's late answer changes nothing.
        stuck.failure();
        assert!(!breaker.is_open());
    }

    #[test]
    fn forgotten_calls_are_neither_success_nor_failure() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(60));
        breaker.try_acquire().unwrap().failure();
        breaker.try_acquire().unwrap().forget();
        assert!(!breaker.is_open());
        breaker.try_acquire().unwrap().failure();
        assert!(
            breaker.is_open(),
            "two failures in a row, the forgotten call between them ignored"
        );
    }

    #[tokio::test]
    async fn a_cancelled_trial_request_does_not_wedge_the_client() {
        // An upstream that accepts and never answers.
        let addr = crate::test_support::silent_server().await;
        let policy = ClientPolicy {
            retries: 0,
            failure_threshold: 1,
            open_for: Duration::from_millis(20),
            timeout: Duration::from_millis(100),
            budget: Duration::from_millis(100),
            ..Default::default()
        };
        let client = ServiceClient::new("hangs", &format!("http://{addr}"), policy);
        assert!(matches!(
            client.send(Outbound::get("/")).await,
            Err(ClientError::Timeout { .. })
        ));
        tokio::time::sleep(Duration::from_millis(30)).await;
        // The half-open trial's caller disconnects: its future is dropped mid-call.
        let trial = client.send(Outbound::get("/"));
        assert!(tokio::time::timeout(Duration::from_millis(10), trial)
            .await
            .is_err());
        // The next call is let through as the trial (and times out like the upstream does),
        // instead of being refused forever.
        assert!(matches!(
            client.send(Outbound::get("/")).await,
            Err(ClientError::Timeout { .. })
        ));
    }

    /// An upstream answering `status` with problem+json (and `Retry-After` when asked),
    /// counting the calls it got.
    async fn upstream_answering(
        status: u16,
        retry_after: bool,
    ) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use axum::response::IntoResponse;
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let status = http::StatusCode::from_u16(status).unwrap();
                    let mut response = crate::error::Problem::new(status, "x", "y")
                        .into_response_with(status)
                        .into_response();
                    if retry_after {
                        response
                            .headers_mut()
                            .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
                    }
                    response
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}"), hits)
    }

    #[tokio::test]
    async fn a_503_with_retry_after_is_passed_on_at_once_and_a_bare_one_is_retried() {
        let policy = ClientPolicy {
            retries: 2,
            ..Default::default()
        };
        let (url, hits) = upstream_answering(503, true).await;
        let client = ServiceClient::new("catalog", &url, policy.clone());
        let response = client.send(Outbound::get("/")).await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "not asked again"
        );
        assert!(!client.breaker.is_open());

        let (url, hits) = upstream_answering(503, false).await;
        let client = ServiceClient::new("catalog", &url, policy);
        let response = client.send(Outbound::get("/")).await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            3,
            "retried twice"
        );
    }

    #[tokio::test]
    async fn a_request_that_cannot_be_built_is_a_local_error_and_leaves_the_circuit_closed() {
        let policy = ClientPolicy {
            failure_threshold: 1,
            ..Default::default()
        };
        let client = ServiceClient::new("catalog", "http://127.0.0.1:1", policy);
        let huge = format!("/api/catalog/products/{}", "x".repeat(70_000));
        for _ in 0..3 {
            assert!(matches!(
                client.send(Outbound::get(huge.clone())).await,
                Err(ClientError::Invalid { .. })
            ));
        }
        assert!(!client.breaker.is_open());
    }

    #[tokio::test]
    async fn one_call_adds_at_most_one_failure_however_many_retries() {
        let policy = ClientPolicy {
            retries: 3,
            failure_threshold: 2,
            backoff: Duration::from_millis(1),
            ..Default::default()
        };
        let client = ServiceClient::new("nowhere", "http://127.0.0.1:1", policy);
        assert!(client.send(Outbound::get("/")).await.is_err());
        assert!(!client.breaker.is_open(), "four attempts, one failure");
        assert!(client.send(Outbound::get("/")).await.is_err());
        assert!(client.breaker.is_open());
    }

    #[test]
    fn path_segments_are_encoded_so_values_cannot_climb() {
        assert_eq!(
            path(&["api", "catalog", "products", "../../internal/x"]),
            "/api/catalog/products/%2E%2E%2F%2E%2E%2Finternal%2Fx"
        );
        assert_eq!(path(&["a", ".."]), "/a/%2E%2E");
        assert_eq!(path(&["a", "b-c_d~1"]), "/a/b-c_d~1");
        assert_eq!(path(&["a", "x?y#z"]), "/a/x%3Fy%23z");
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
        let context = crate::request::RequestContext {
            request_id: "r-1".into(),
            traceparent: Some(HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )),
            tracestate: Some(HeaderValue::from_static("vendor=x")),
        };
        let headers = crate::request::with_request_context(context, async {
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
