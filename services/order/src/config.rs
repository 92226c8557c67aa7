//! order's settings, resolved once at start.

use std::time::Duration;

use wayfare_chassis::config::Settings;

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
        let o = &settings.order;
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
