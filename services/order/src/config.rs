//! order's settings: the `[order]` section (environment variables in [`OrderSettings::ENV`]),
//! and the values resolved from it once at start.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderSettings {
    /// How long an untouched cart is kept.
    pub cart_ttl_seconds: u64,
    /// How long reserved stock is held for a checkout before catalog's sweeper returns it.
    pub reservation_ttl_seconds: u64,
    /// Budget of each call to payment (and catalog) in the saga; past it the order stays
    /// pending for the reconciler. Must be less than the request deadline.
    pub payment_timeout_ms: u64,
    /// How often the reconciler looks for orders left pending.
    pub reconcile_interval_ms: u64,
    /// How old a pending order must be before the reconciler settles it.
    pub reconcile_after_ms: u64,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            cart_ttl_seconds: 7 * 24 * 3600,
            reservation_ttl_seconds: 900,
            payment_timeout_ms: 8_000,
            reconcile_interval_ms: 10_000,
            reconcile_after_ms: 60_000,
        }
    }
}

impl Section for OrderSettings {
    const KEY: &'static str = "order";
    const ENV: &'static [(&'static str, &'static str)] = &[
        ("WAYFARE_CART_TTL_SECONDS", "cart_ttl_seconds"),
        ("WAYFARE_RESERVATION_TTL_SECONDS", "reservation_ttl_seconds"),
        ("WAYFARE_PAYMENT_TIMEOUT_MS", "payment_timeout_ms"),
        ("WAYFARE_RECONCILE_INTERVAL_MS", "reconcile_interval_ms"),
        ("WAYFARE_RECONCILE_AFTER_MS", "reconcile_after_ms"),
    ];

    fn validate(&self, core: &Settings) -> Result<(), ConfigError> {
        if self.reconcile_interval_ms == 0 || self.reservation_ttl_seconds == 0 {
            return Err(ConfigError::new(
                "WAYFARE_RECONCILE_INTERVAL_MS",
                "order intervals must be greater than 0",
            ));
        }
        core.must_fit_request_deadline("WAYFARE_PAYMENT_TIMEOUT_MS".into(), self.payment_timeout_ms)
    }
}

#[derive(Debug, Clone)]
pub struct OrderConfig {
    pub cart_ttl: Duration,
    pub reservation_ttl_seconds: u64,
    /// Deadline for each call to payment (and catalog) in the saga.
    pub call_timeout: Duration,
    pub reconcile_every: Duration,
    pub reconcile_after: Duration,
    pub fault_inject: Option<String>,
}

impl OrderConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let o: OrderSettings = settings.section();
        Self {
            cart_ttl: Duration::from_secs(o.cart_ttl_seconds),
            reservation_ttl_seconds: o.reservation_ttl_seconds,
            call_timeout: Duration::from_millis(o.payment_timeout_ms),
            reconcile_every: Duration::from_millis(o.reconcile_interval_ms),
            reconcile_after: Duration::from_millis(o.reconcile_after_ms),
            fault_inject: settings.fault_inject.clone(),
        }
    }
}
