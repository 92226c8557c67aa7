//! admin's settings: the `[admin]` section, and the values resolved from it at start.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// Budget of each call to another service's internal API. Must be less than the request
    /// deadline.
    pub call_timeout_ms: u64,
    /// Most rows one `GET /api/admin/audit.csv` export writes (narrow the filters for more).
    pub export_max_rows: u32,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            call_timeout_ms: 8_000,
            export_max_rows: 100_000,
        }
    }
}

impl Section for AdminSettings {
    const KEY: &'static str = "admin";
    const ENV: &'static [(&'static str, &'static str)] = &[
        ("WAYFARE_ADMIN_CALL_TIMEOUT_MS", "call_timeout_ms"),
        ("WAYFARE_ADMIN_EXPORT_MAX_ROWS", "export_max_rows"),
    ];

    fn validate(&self, core: &Settings) -> Result<(), ConfigError> {
        if self.export_max_rows == 0 {
            return Err(ConfigError::new(
                "WAYFARE_ADMIN_EXPORT_MAX_ROWS",
                "must be at least 1",
            ));
        }
        core.must_fit_request_deadline("WAYFARE_ADMIN_CALL_TIMEOUT_MS".into(), self.call_timeout_ms)
    }
}

#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub call_timeout: Duration,
    pub export_max_rows: u32,
}

impl AdminConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let a: AdminSettings = settings.section();
        Self {
            call_timeout: Duration::from_millis(a.call_timeout_ms),
            export_max_rows: a.export_max_rows,
        }
    }
}
