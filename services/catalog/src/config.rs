//! catalog has no settings of its own yet beyond the shared ones (database, cache, auth URL);
//! this module is where they will go, so every service crate has the same shape.

use wayfare_chassis::config::Settings;

#[derive(Debug, Clone)]
pub struct CatalogConfig {
    /// Seed the demo catalog when the products table is empty.
    pub seed_demo_data: bool,
}

impl CatalogConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            seed_demo_data: settings.should_seed_demo_data(crate::NAME),
        }
    }
}
