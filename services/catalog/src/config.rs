//! catalog's settings, resolved once at start from the shared configuration.

use wayfare_chassis::config::Settings;

#[derive(Debug, Clone)]
pub struct CatalogConfig {
    /// Seed the demo catalog when the products table is empty.
    pub seed_demo_data: bool,
    /// How often expired stock holds are returned (a tenth of the hold time, 1–30 s).
    pub sweep_interval: std::time::Duration,
}

impl CatalogConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        // A tenth of the hold time, between 1 and 30 seconds.
        let tenth_ms = settings.order.reservation_ttl_seconds * 100;
        Self {
            seed_demo_data: settings.should_seed_demo_data(crate::NAME),
            sweep_interval: std::time::Duration::from_millis(tenth_ms.clamp(1_000, 30_000)),
        }
    }
}
