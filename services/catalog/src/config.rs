//! catalog's settings: the `[catalog]` section, and the values resolved from it at start.

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// How often stock holds past their expiry are returned to stock.
    pub reservation_sweep_interval_ms: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            reservation_sweep_interval_ms: 30_000,
        }
    }
}

impl Section for CatalogSettings {
    const KEY: &'static str = "catalog";
    const ENV: &'static [(&'static str, &'static str)] = &[(
        "WAYFARE_RESERVATION_SWEEP_INTERVAL_MS",
        "reservation_sweep_interval_ms",
    )];

    fn validate(&self, _core: &Settings) -> Result<(), ConfigError> {
        if self.reservation_sweep_interval_ms == 0 {
            return Err(ConfigError::new(
                "WAYFARE_RESERVATION_SWEEP_INTERVAL_MS",
                "must be greater than 0",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct CatalogConfig {
    /// Seed the demo catalog when the products table is empty.
    pub seed_demo_data: bool,
    pub sweep_interval: std::time::Duration,
    /// How often the search index applies the outbox's new changes (a search also applies
    /// them first, so this only bounds how much a search may have to apply).
    pub search_follow_interval: std::time::Duration,
}

impl CatalogConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let c: CatalogSettings = settings.section();
        Self {
            seed_demo_data: settings.should_seed_demo_data(crate::NAME),
            sweep_interval: std::time::Duration::from_millis(c.reservation_sweep_interval_ms),
            search_follow_interval: std::time::Duration::from_secs(1),
        }
    }
}
