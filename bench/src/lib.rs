//! Shared pieces of the load drivers: latency recording and the report line.

use std::time::Duration;

/// Latencies of one run, reported as throughput and percentiles.
#[derive(Default)]
pub struct Recorder {
    latencies: Vec<Duration>,
    pub statuses: std::collections::BTreeMap<u16, u64>,
}

impl Recorder {
    pub fn record(&mut self, status: u16, latency: Duration) {
        self.latencies.push(latency);
        *self.statuses.entry(status).or_default() += 1;
    }

    pub fn merge(&mut self, other: Recorder) {
        self.latencies.extend(other.latencies);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
    }

    pub fn count(&self) -> usize {
        self.latencies.len()
    }

    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        self.latencies.sort_unstable();
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    /// One JSON line: what bench/checkout.sh reads.
    pub fn report(&mut self, name: &str, elapsed: Duration) -> serde_json::Value {
        serde_json::json!({
            "name": name,
            "requests": self.count(),
            "per_second": self.count() as f64 / elapsed.as_secs_f64(),
            "p50_ms": self.percentile_ms(0.50),
            "p99_ms": self.percentile_ms(0.99),
            "statuses": self.statuses,
            "seconds": elapsed.as_secs_f64(),
        })
    }
}
