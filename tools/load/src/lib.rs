//! `wayfare load`: drives Wayfare through its public API the way its users do, and reports
//! what they felt.
//!
//! Each virtual user keeps its own session (signs up once, logs in, refreshes its token as it
//! ages) and runs scenarios picked by weight from a mix: browse, search, view products, add to
//! cart, check out (some with declining cards, some retried with the same `Idempotency-Key`),
//! cancel, and — when the platform has them — flight searches and seat maps. Load is either a
//! fixed number of users (`--users`, closed model) or an arrival rate (`--rate`, open model),
//! over a duration with a ramp. At the end it writes a report (Markdown and HTML, SVG plots,
//! per-second CSV/JSON), checks business invariants, and fails when an `--slo` is missed.

mod plot;
mod report;
mod stats;
mod user;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use report::Slo;
use stats::Stats;
use user::{Catalogue, VirtualUser};

/// Which scenarios, by weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Shoppers: browse, search, view, cart, checkout (some declined), cancel; flights.
    Mixed,
    /// Browse, search and view only (no writes).
    ReadOnly,
    /// Everybody buys the same product (and holds the same seat): contention.
    Hot,
}

impl std::str::FromStr for Mix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mixed" => Ok(Mix::Mixed),
            "read-only" | "readonly" => Ok(Mix::ReadOnly),
            "hot" => Ok(Mix::Hot),
            other => Err(format!("unknown mix '{other}' (mixed, read-only, hot)")),
        }
    }
}

/// How many users or arrivals, for how long.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The gateway (local or remote), e.g. `http://127.0.0.1:8080`.
    pub target: String,
    /// Closed model: this many users loop through scenarios.
    pub users: Option<u32>,
    /// Open model: this many scenario starts per second, whatever the latency.
    pub rate: Option<f64>,
    pub duration: Duration,
    /// Users (or the rate) grow linearly to full over this long.
    pub ramp: Duration,
    pub mix: Mix,
    pub slo: Vec<Slo>,
    /// Where the report goes.
    pub report_dir: PathBuf,
    /// Print a live progress line.
    pub progress: bool,
}

/// What a run came to.
#[derive(Debug)]
pub struct Outcome {
    pub requests: u64,
    pub errors: u64,
    pub slo_missed: Vec<String>,
    pub invariant_violations: Vec<String>,
    pub report: PathBuf,
}

impl Outcome {
    /// Whether CI should fail the run.
    pub fn failed(&self) -> bool {
        !self.slo_missed.is_empty() || !self.invariant_violations.is_empty()
    }
}

/// Most scenarios in flight at once in the open model; arrivals beyond it are counted as
/// dropped rather than piling up without bound.
const MAX_IN_FLIGHT: usize = 2_000;

pub async fn run(options: LoadOptions) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        options.users.is_some() != options.rate.is_some(),
        "give either --users or --rate"
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(1024)
        .build()?;
    let target = options.target.trim_end_matches('/').to_string();
    let catalogue = Arc::new(Catalogue::discover(&http, &target).await?);
    let stats = Arc::new(Stats::new());
    let started = Instant::now();
    let deadline = started + options.duration;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();

    let progress = {
        let stats = stats.clone();
        let total = options.duration;
        let show = options.progress;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            loop {
                tick.tick().await;
                let elapsed = started.elapsed();
                if show {
                    eprint!("\r{}", stats.progress_line(elapsed, total));
                }
                if elapsed >= total + Duration::from_secs(30) {
                    break;
                }
            }
        })
    };

    let users: Vec<Arc<tokio::sync::Mutex<VirtualUser>>> = match (options.users, options.rate) {
        (Some(count), _) => {
            let mut handles = Vec::new();
            let mut users = Vec::new();
            for i in 0..count {
                let user = Arc::new(tokio::sync::Mutex::new(VirtualUser::new(
                    http.clone(),
                    &target,
                    &format!("{run_id}-{i}"),
                )));
                users.push(user.clone());
                let delay = options.ramp.mul_f64(f64::from(i) / f64::from(count.max(1)));
                let (stats, catalogue, mix) = (stats.clone(), catalogue.clone(), options.mix);
                handles.push(tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    while Instant::now() < deadline {
                        let mut user = user.lock().await;
                        user.iteration(&stats, &catalogue, mix, started).await;
                    }
                }));
            }
            for handle in handles {
                let _ = handle.await;
            }
            users
        }
        (None, Some(rate)) => {
            // A pool of users grown on demand; an arrival takes an idle one.
            let pool: Arc<tokio::sync::Mutex<Vec<Arc<tokio::sync::Mutex<VirtualUser>>>>> =
                Arc::default();
            let everyone: Arc<std::sync::Mutex<Vec<Arc<tokio::sync::Mutex<VirtualUser>>>>> =
                Arc::default();
            let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
            let mut next = 0u64;
            let mut tasks = Vec::new();
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let elapsed = now - started;
                let ramp = if options.ramp.is_zero() || elapsed >= options.ramp {
                    1.0
                } else {
                    (elapsed.as_secs_f64() / options.ramp.as_secs_f64()).max(0.05)
                };
                let current = (rate * ramp).max(0.1);
                // Poisson arrivals: exponential gaps with mean 1/rate.
                let gap = -(1.0 - rand::random::<f64>()).ln() / current;
                tokio::time::sleep(Duration::from_secs_f64(gap.min(5.0))).await;
                let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                    stats.dropped();
                    continue;
                };
                let user = match pool.lock().await.pop() {
                    Some(user) => user,
                    None => {
                        next += 1;
                        let user = Arc::new(tokio::sync::Mutex::new(VirtualUser::new(
                            http.clone(),
                            &target,
                            &format!("{run_id}-{next}"),
                        )));
                        everyone.lock().expect("not poisoned").push(user.clone());
                        user
                    }
                };
                let (stats, catalogue, mix, pool) =
                    (stats.clone(), catalogue.clone(), options.mix, pool.clone());
                tasks.push(tokio::spawn(async move {
                    {
                        let mut guard = user.lock().await;
                        guard.iteration(&stats, &catalogue, mix, started).await;
                    }
                    pool.lock().await.push(user);
                    drop(permit);
                }));
            }
            for task in tasks {
                let _ = task.await;
            }
            let everyone = everyone.lock().expect("not poisoned").clone();
            everyone
        }
        (None, None) => unreachable!("checked above"),
    };
    progress.abort();
    if options.progress {
        eprintln!(
            "\r{}",
            stats.progress_line(started.elapsed(), options.duration)
        );
    }

    // Business invariants, checked through the API after the load.
    let mut violations = Vec::new();
    for user in &users {
        let user = user.lock().await;
        violations.extend(user.check_invariants(&catalogue).await);
    }
    violations.extend(catalogue.check_stock(&http).await);

    let summary = stats.summary(started.elapsed());
    let slo_missed = report::evaluate(&options.slo, &summary);
    let report = report::write(
        &options.report_dir,
        &options,
        &stats,
        &summary,
        &slo_missed,
        &violations,
    )?;
    Ok(Outcome {
        requests: summary.requests,
        errors: summary.errors,
        slo_missed,
        invariant_violations: violations,
        report,
    })
}
