//! flight's settings: the `[flight]` section, and the values resolved from it at start.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlightSettings {
    /// How often seat holds past their expiry are released.
    pub hold_sweep_interval_ms: u64,
    /// How many days of the demo schedule to seed (from the day of seeding).
    pub demo_days: u32,
}

impl Default for FlightSettings {
    fn default() -> Self {
        Self {
            hold_sweep_interval_ms: 30_000,
            demo_days: 30,
        }
    }
}

impl Section for FlightSettings {
    const KEY: &'static str = "flight";
    const ENV: &'static [(&'static str, &'static str)] = &[
        (
            "WAYFARE_SEAT_HOLD_SWEEP_INTERVAL_MS",
            "hold_sweep_interval_ms",
        ),
        ("WAYFARE_FLIGHT_DEMO_DAYS", "demo_days"),
    ];

    fn validate(&self, _core: &Settings) -> Result<(), ConfigError> {
        if self.hold_sweep_interval_ms == 0 {
            return Err(ConfigError::new(
                "WAYFARE_SEAT_HOLD_SWEEP_INTERVAL_MS",
                "must be greater than 0",
            ));
        }
        if !(1..=366).contains(&self.demo_days) {
            return Err(ConfigError::new(
                "WAYFARE_FLIGHT_DEMO_DAYS",
                "must be 1 to 366",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct FlightConfig {
    /// Seed the demo network when the flights table is empty.
    pub seed_demo_data: bool,
    pub demo_days: u32,
    pub sweep_interval: Duration,
}

impl FlightConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let f: FlightSettings = settings.section();
        Self {
            seed_demo_data: settings.should_seed_demo_data(crate::NAME),
            demo_days: f.demo_days,
            sweep_interval: Duration::from_millis(f.hold_sweep_interval_ms),
        }
    }
}
