//! Prometheus metrics: one recorder per process, RED metrics per request labelled by service,
//! route template, method and status, plus business counters recorded by the services.
//!
//! Every family carries `# HELP` text ([`describe_all`]); each scrape also refreshes the
//! process figures (CPU, resident memory, open files: `metrics-process`), the database pools'
//! connection counts ([`register_pool`]) and `wayfare_build_info`.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();
/// Database pools read on every scrape, by service.
static POOLS: Mutex<Vec<(&'static str, sqlx::AnyPool)>> = Mutex::new(Vec::new());

/// Latency buckets in seconds: fine below 100 ms where the API should live.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// `# HELP` text of one metric family a service records (see `Module::metrics`).
#[derive(Debug, Clone, Copy)]
pub struct MetricHelp {
    pub name: &'static str,
    pub kind: MetricKind,
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

/// Registers the help text of a service's own metric families.
pub fn describe(families: &[MetricHelp]) {
    for family in families {
        match family.kind {
            MetricKind::Counter => describe_counter!(family.name, family.help),
            MetricKind::Gauge => describe_gauge!(family.name, family.help),
            MetricKind::Histogram => describe_histogram!(family.name, family.help),
        }
    }
}

/// Installs the process-wide recorder (idempotent: later calls reuse the first).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), LATENCY_BUCKETS)
            .expect("static bucket list is not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (a test harness); then ours stays local
        // and /metrics shows what this handle saw.
        let _ = metrics::set_global_recorder(recorder);
        describe_all();
        metrics::gauge!(
            "wayfare_build_info",
            "app_version" => env!("CARGO_PKG_VERSION"),
            "revision" => option_env!("WAYFARE_GIT_SHA").unwrap_or("unknown"),
            "profile" => if cfg!(debug_assertions) { "debug" } else { "release" },
        )
        .set(1.0);
        handle
    })
}

/// The exposition text; refreshes the figures that are read rather than counted first.
pub fn render() -> String {
    let handle = install();
    PROCESS
        .get_or_init(|| {
            let collector = metrics_process::Collector::default();
            collector.describe();
            collector
        })
        .collect();
    record_pools();
    handle.render()
}

/// Reports `pool`'s connections as `db_pool_*{service}` on every scrape (called by
/// [`crate::db::Db::connect`]). A service that reconnects replaces its earlier pool.
pub fn register_pool(service: &'static str, pool: &sqlx::AnyPool) {
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    pools.retain(|(name, _)| *name != service);
    pools.push((service, pool.clone()));
}

fn record_pools() {
    let pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    for (service, pool) in pools.iter() {
        let max = pool.options().get_max_connections();
        let size = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(size);
        metrics::gauge!("db_pool_connections", "service" => *service, "state" => "idle")
            .set(f64::from(idle));
        metrics::gauge!("db_pool_connections", "service" => *service, "state" => "in_use")
            .set(f64::from(size - idle));
        metrics::gauge!("db_pool_max_connections", "service" => *service).set(f64::from(max));
    }
}

/// Records one cache read (`cache_requests_total{cache, backend, result}`).
pub fn record_cache_read(cache: &str, backend: &'static str, hit: bool) {
    metrics::counter!(
        "cache_requests_total",
        "cache" => cache.to_string(),
        "backend" => backend,
        "result" => if hit { "hit" } else { "miss" },
    )
    .increment(1);
}

/// Whether the cache's backend answered its last command (`cache_backend_up`).
pub fn record_cache_backend(backend: &'static str, up: bool) {
    metrics::gauge!("cache_backend_up", "backend" => backend).set(if up { 1.0 } else { 0.0 });
}

pub fn record_request(
    service: &'static str,
    route: &str,
    method: &str,
    status: u16,
    elapsed: Duration,
) {
    let labels = [
        ("service", service.to_string()),
        ("route", route.to_string()),
        ("method", method.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// `# HELP` text for every family the platform exports. The business counters are listed
/// here, beside the chassis' own, so that `promtool check metrics` passes for the whole
/// process; a family described but never recorded is simply not exported.
fn describe_all() {
    // The chassis.
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by service, route template, method and status code."
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time from receiving a request to sending the response head, by service, route, method and status."
    );
    describe_gauge!(
        "wayfare_build_info",
        "Always 1; labelled with the running binary's version (app_version), git revision and build profile."
    );
    describe_gauge!(
        "db_pool_connections",
        "Open database connections of a service's pool, by state (idle or in_use)."
    );
    describe_gauge!(
        "db_pool_max_connections",
        "The most connections a service's database pool may open."
    );
    describe_counter!(
        "cache_requests_total",
        "Cache reads, by cache namespace, backend (redis or memory) and result (hit or miss)."
    );
    describe_gauge!(
        "cache_backend_up",
        "1 when the cache backend answered its last command, 0 when it failed or was unreachable."
    );
    describe_counter!(
        "cache_errors_total",
        "Redis commands that failed or timed out (each served as a cache miss), by command."
    );
    describe_counter!(
        "client_circuit_open_total",
        "Outbound calls refused at once because the upstream's circuit breaker was open, by upstream."
    );
    describe_counter!(
        "worker_runs_total",
        "Runs of a background worker, by worker and outcome (ok, error, or standby when another replica holds its lease)."
    );
    describe_histogram!(
        "worker_run_duration_seconds",
        Unit::Seconds,
        "Duration of a background worker's runs (standby runs excluded), by worker."
    );
    describe_counter!(
        "worker_items_total",
        "Items a background worker handled (orders settled, holds returned, payments settled), by worker."
    );
    describe_gauge!(
        "worker_last_success_timestamp_seconds",
        "Unix time of a background worker's last successful run in this process, by worker."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_help_process_and_build_info() {
        install();
        record_request("svc", "/x", "GET", 200, Duration::from_millis(3));
        let text = render();
        for needle in [
            "# HELP http_requests_total ",
            "# HELP http_request_duration_seconds ",
            "# TYPE wayfare_build_info gauge",
            "wayfare_build_info{",
            "# HELP process_resident_memory_bytes ",
            "process_cpu_seconds_total ",
            "process_open_fds ",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    #[tokio::test]
    async fn pools_and_cache_reads_are_reported() {
        install();
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(3)
            .connect("sqlite::memory:")
            .await
            .expect("in-memory sqlite");
        register_pool("metrics-test", &pool);
        record_cache_read("t", "memory", true);
        record_cache_read("t", "memory", false);
        let text = render();
        for needle in [
            "# HELP db_pool_connections ",
            r#"db_pool_connections{service="metrics-test",state="idle"} 1"#,
            r#"db_pool_max_connections{service="metrics-test"} 3"#,
            r#"cache_requests_total{cache="t",backend="memory",result="hit"} 1"#,
            r#"cache_requests_total{cache="t",backend="memory",result="miss"} 1"#,
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }
}
