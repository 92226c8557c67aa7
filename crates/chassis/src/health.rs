//! Liveness and readiness. A service is ready while it is not draining and every readiness
//! check passes (its database answers). In the all-in-one process the gateway's `/readyz`
//! includes every service's checks, so it reflects the whole platform.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;

/// Something that must be reachable for the service to take traffic.
pub trait ReadinessCheck: Send + Sync + 'static {
    fn name(&self) -> String;
    fn check(&self) -> BoxFuture<'_, Result<(), String>>;
    /// Whether it answers right now, as a background probe sees it, when something probes
    /// it: the service's requests are then cut short with 503 while it is down instead of
    /// waiting on it (see `server::service_router`).
    fn availability(&self) -> Option<Availability> {
        None
    }
}

/// A dependency's up/down as its probe last saw it.
#[derive(Clone, Debug)]
pub struct Availability {
    up: tokio::sync::watch::Receiver<bool>,
}

impl Availability {
    pub fn new(up: tokio::sync::watch::Receiver<bool>) -> Self {
        Self { up }
    }

    /// Resolves once the dependency has been down for `grace` without coming back (never,
    /// while it stays up).
    pub async fn down_for(&self, grace: Duration) {
        let mut up = self.up.clone();
        loop {
            if up.wait_for(|up| !*up).await.is_err() {
                // The probe is gone with its dependency handle: nothing will ever say down.
                return std::future::pending().await;
            }
            tokio::time::sleep(grace).await;
            if !*up.borrow_and_update() {
                return;
            }
        }
    }
}

#[derive(Clone, Default)]
pub struct Health {
    draining: Arc<AtomicBool>,
    checks: Vec<Arc<dyn ReadinessCheck>>,
}

#[derive(Debug, Serialize)]
pub struct ReadinessReport {
    pub ready: bool,
    pub draining: bool,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A check that hangs is a failed check: readiness must answer fast.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

impl Health {
    /// A health that shares `draining` with others (one process drains as a whole).
    pub fn new(draining: Arc<AtomicBool>) -> Self {
        Self {
            draining,
            checks: Vec::new(),
        }
    }

    pub fn with_check(mut self, check: Arc<dyn ReadinessCheck>) -> Self {
        self.checks.push(check);
        self
    }

    pub fn with_checks(
        mut self,
        checks: impl IntoIterator<Item = Arc<dyn ReadinessCheck>>,
    ) -> Self {
        self.checks.extend(checks);
        self
    }

    pub fn checks(&self) -> &[Arc<dyn ReadinessCheck>] {
        &self.checks
    }

    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub async fn check(&self) -> ReadinessReport {
        let results = futures::future::join_all(self.checks.iter().map(|c| async move {
            let outcome = match tokio::time::timeout(CHECK_TIMEOUT, c.check()).await {
                Ok(result) => result,
                Err(_) => Err("timed out".to_string()),
            };
            CheckResult {
                name: c.name(),
                ok: outcome.is_ok(),
                error: outcome.err(),
            }
        }))
        .await;
        let draining = self.is_draining();
        let ready = !draining && results.iter().all(|r| r.ok);
        ReadinessReport {
            ready,
            draining,
            checks: results,
        }
    }
}
