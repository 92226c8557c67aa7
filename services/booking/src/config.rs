//! booking's settings: the `[booking]` section, and the values resolved from it at start.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingSettings {
    /// How long a new booking's seats wait for payment (`payment_required_by`).
    pub hold_seconds: u64,
    /// Budget of each call to flight and payment; past it a payment stays pending for the
    /// reconciler. Must be less than the request deadline.
    pub call_timeout_ms: u64,
    /// How often the reconciler looks for bookings left `payment_pending` or `cancelling`.
    pub reconcile_interval_ms: u64,
    /// How old such a booking must be before the reconciler settles it.
    pub reconcile_after_ms: u64,
    /// How often unpaid bookings past their deadline are expired (seats released).
    pub expiry_interval_ms: u64,
    /// How often flight's cancellations are followed (bookings cancelled and refunded).
    pub flight_watch_interval_ms: u64,
    /// Booking look-ups by PNR and last name allowed per client per minute.
    pub lookup_per_minute: u32,
}

impl Default for BookingSettings {
    fn default() -> Self {
        Self {
            hold_seconds: 900,
            call_timeout_ms: 8_000,
            reconcile_interval_ms: 10_000,
            reconcile_after_ms: 60_000,
            expiry_interval_ms: 15_000,
            flight_watch_interval_ms: 15_000,
            lookup_per_minute: 10,
        }
    }
}

impl Section for BookingSettings {
    const KEY: &'static str = "booking";
    const ENV: &'static [(&'static str, &'static str)] = &[
        ("WAYFARE_BOOKING_HOLD_SECONDS", "hold_seconds"),
        ("WAYFARE_BOOKING_CALL_TIMEOUT_MS", "call_timeout_ms"),
        (
            "WAYFARE_BOOKING_RECONCILE_INTERVAL_MS",
            "reconcile_interval_ms",
        ),
        ("WAYFARE_BOOKING_RECONCILE_AFTER_MS", "reconcile_after_ms"),
        ("WAYFARE_BOOKING_EXPIRY_INTERVAL_MS", "expiry_interval_ms"),
        (
            "WAYFARE_BOOKING_FLIGHT_WATCH_INTERVAL_MS",
            "flight_watch_interval_ms",
        ),
        ("WAYFARE_BOOKING_LOOKUP_PER_MINUTE", "lookup_per_minute"),
    ];

    fn validate(&self, core: &Settings) -> Result<(), ConfigError> {
        if self.hold_seconds == 0 || self.hold_seconds > 24 * 3600 {
            return Err(ConfigError::new(
                "WAYFARE_BOOKING_HOLD_SECONDS",
                "must be 1 to 86400",
            ));
        }
        if self.reconcile_interval_ms == 0
            || self.expiry_interval_ms == 0
            || self.flight_watch_interval_ms == 0
        {
            return Err(ConfigError::new(
                "WAYFARE_BOOKING_RECONCILE_INTERVAL_MS",
                "booking intervals must be greater than 0",
            ));
        }
        if self.lookup_per_minute == 0 {
            return Err(ConfigError::new(
                "WAYFARE_BOOKING_LOOKUP_PER_MINUTE",
                "must be greater than 0",
            ));
        }
        core.must_fit_request_deadline(
            "WAYFARE_BOOKING_CALL_TIMEOUT_MS".into(),
            self.call_timeout_ms,
        )
    }
}

#[derive(Debug, Clone)]
pub struct BookingConfig {
    pub hold: Duration,
    pub call_timeout: Duration,
    pub reconcile_every: Duration,
    pub reconcile_after: Duration,
    pub expiry_every: Duration,
    pub watch_every: Duration,
    pub lookup_per_minute: u32,
    pub fault_inject: Option<String>,
}

impl BookingConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let b: BookingSettings = settings.section();
        Self {
            hold: Duration::from_secs(b.hold_seconds),
            call_timeout: Duration::from_millis(b.call_timeout_ms),
            reconcile_every: Duration::from_millis(b.reconcile_interval_ms),
            reconcile_after: Duration::from_millis(b.reconcile_after_ms),
            expiry_every: Duration::from_millis(b.expiry_interval_ms),
            watch_every: Duration::from_millis(b.flight_watch_interval_ms),
            lookup_per_minute: b.lookup_per_minute,
            fault_inject: settings.fault_inject.clone(),
        }
    }
}
