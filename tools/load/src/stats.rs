//! What the run measured: per endpoint and per second, with HDR histograms of latency.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static bounds are valid")
}

struct Endpoint {
    count: u64,
    errors: u64,
    by_status: BTreeMap<u16, u64>,
    latency: Histogram<u64>,
}

struct Second {
    requests: u64,
    errors: u64,
    latency: Histogram<u64>,
}

struct Inner {
    endpoints: BTreeMap<&'static str, Endpoint>,
    seconds: Vec<Second>,
    /// Error answers by problem `code` (or `transport` for no answer at all).
    codes: BTreeMap<String, u64>,
    total: Histogram<u64>,
    dropped: u64,
}

pub struct Stats {
    inner: Mutex<Inner>,
}

/// One finished request.
pub struct Sample {
    pub endpoint: &'static str,
    /// 0 when no answer arrived.
    pub status: u16,
    pub code: Option<String>,
    pub latency: Duration,
    /// Seconds since the run started.
    pub second: usize,
}

impl Sample {
    /// An error from the user's point of view: no answer, or a 5xx. 4xx answers the scenario
    /// expects (a 402 decline, a 409 sold out) are the platform working; the scenario counts
    /// a 4xx it did not expect as an error by giving it `unexpected = true`.
    pub fn is_error(&self, unexpected: bool) -> bool {
        self.status == 0 || self.status >= 500 || unexpected
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointSummary {
    pub endpoint: String,
    pub count: u64,
    pub errors: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecondSummary {
    pub second: usize,
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub seconds_run: f64,
    pub requests: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub dropped_arrivals: u64,
    pub error_codes: BTreeMap<String, u64>,
    pub endpoints: Vec<EndpointSummary>,
    pub per_second: Vec<SecondSummary>,
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        h.value_at_quantile(q) as f64 / 1000.0
    }
}

impl Stats {
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                endpoints: BTreeMap::new(),
                seconds: Vec::new(),
                codes: BTreeMap::new(),
                total: histogram(),
                dropped: 0,
            }),
        }
    }

    pub fn record(&self, sample: Sample, unexpected: bool) {
        let error = sample.is_error(unexpected);
        let micros = (sample.latency.as_micros() as u64).clamp(1, 60_000_000);
        let mut inner = self.inner.lock().expect("not poisoned");
        let endpoint = inner
            .endpoints
            .entry(sample.endpoint)
            .or_insert_with(|| Endpoint {
                count: 0,
                errors: 0,
                by_status: BTreeMap::new(),
                latency: histogram(),
            });
        endpoint.count += 1;
        endpoint.errors += u64::from(error);
        *endpoint.by_status.entry(sample.status).or_insert(0) += 1;
        let _ = endpoint.latency.record(micros);
        while inner.seconds.len() <= sample.second {
            inner.seconds.push(Second {
                requests: 0,
                errors: 0,
                latency: histogram(),
            });
        }
        let second = &mut inner.seconds[sample.second];
        second.requests += 1;
        second.errors += u64::from(error);
        let _ = second.latency.record(micros);
        let _ = inner.total.record(micros);
        if error {
            let code = match (&sample.code, sample.status) {
                (_, 0) => "transport".to_string(),
                (Some(code), status) => format!("{status} {code}"),
                (None, status) => status.to_string(),
            };
            *inner.codes.entry(code).or_insert(0) += 1;
        }
    }

    pub fn dropped(&self) {
        self.inner.lock().expect("not poisoned").dropped += 1;
    }

    /// `[12s/60s] 230 req/s, 0 errors, p50 3.1 ms, p99 12.0 ms`
    pub fn progress_line(&self, elapsed: Duration, total: Duration) -> String {
        let inner = self.inner.lock().expect("not poisoned");
        let requests: u64 = inner.seconds.iter().map(|s| s.requests).sum();
        let errors: u64 = inner.seconds.iter().map(|s| s.errors).sum();
        let last = inner
            .seconds
            .len()
            .checked_sub(2)
            .and_then(|i| inner.seconds.get(i))
            .map_or(0, |s| s.requests);
        let left = total.saturating_sub(elapsed).as_secs();
        format!(
            "[{:>4}s, {left}s left] {last} req/s, {requests} requests, {errors} errors, p50 {:.1} ms, p99 {:.1} ms   ",
            elapsed.as_secs(),
            ms(&inner.total, 0.5),
            ms(&inner.total, 0.99)
        )
    }

    pub fn summary(&self, elapsed: Duration) -> Summary {
        let inner = self.inner.lock().expect("not poisoned");
        let requests: u64 = inner.endpoints.values().map(|e| e.count).sum();
        let errors: u64 = inner.endpoints.values().map(|e| e.errors).sum();
        let seconds = elapsed.as_secs_f64().max(0.001);
        Summary {
            seconds_run: seconds,
            requests,
            errors,
            error_rate: if requests == 0 {
                0.0
            } else {
                errors as f64 / requests as f64
            },
            requests_per_second: requests as f64 / seconds,
            p50_ms: ms(&inner.total, 0.5),
            p90_ms: ms(&inner.total, 0.9),
            p99_ms: ms(&inner.total, 0.99),
            max_ms: if inner.total.is_empty() {
                0.0
            } else {
                inner.total.max() as f64 / 1000.0
            },
            dropped_arrivals: inner.dropped,
            error_codes: inner.codes.clone(),
            endpoints: inner
                .endpoints
                .iter()
                .map(|(name, e)| EndpointSummary {
                    endpoint: (*name).to_string(),
                    count: e.count,
                    errors: e.errors,
                    by_status: e.by_status.clone(),
                    p50_ms: ms(&e.latency, 0.5),
                    p90_ms: ms(&e.latency, 0.9),
                    p99_ms: ms(&e.latency, 0.99),
                    max_ms: e.latency.max() as f64 / 1000.0,
                })
                .collect(),
            per_second: inner
                .seconds
                .iter()
                .enumerate()
                .map(|(i, s)| SecondSummary {
                    second: i,
                    requests: s.requests,
                    errors: s.errors,
                    p50_ms: ms(&s.latency, 0.5),
                    p99_ms: ms(&s.latency, 0.99),
                })
                .collect(),
        }
    }
}
