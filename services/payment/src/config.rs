//! payment's settings: the `[payment]` section, and the values resolved from it at start.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    /// Deadline for one call to the payment provider; must be less than the request deadline.
    pub provider_timeout_ms: u64,
    /// How long idempotency records (and so replays) are kept.
    pub idempotency_ttl_hours: u64,
    /// Base URL of an HTTP payment provider (`domain::http_provider`, a Stripe-like API);
    /// unset, the built-in simulated provider answers.
    pub provider_url: Option<String>,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        Self {
            provider_timeout_ms: 5_000,
            idempotency_ttl_hours: 48,
            provider_url: None,
        }
    }
}

impl Section for PaymentSettings {
    const KEY: &'static str = "payment";
    const ENV: &'static [(&'static str, &'static str)] = &[
        ("WAYFARE_PROVIDER_TIMEOUT_MS", "provider_timeout_ms"),
        ("WAYFARE_IDEMPOTENCY_TTL_HOURS", "idempotency_ttl_hours"),
        ("WAYFARE_PAYMENT_PROVIDER_URL", "provider_url"),
    ];

    fn validate(&self, core: &Settings) -> Result<(), ConfigError> {
        if let Some(url) = self.provider_url.as_deref().filter(|u| !u.is_empty()) {
            let ok = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base());
            if !ok {
                return Err(ConfigError::new(
                    "WAYFARE_PAYMENT_PROVIDER_URL",
                    format!("{url}: must be an http(s) URL"),
                ));
            }
        }
        core.must_fit_request_deadline(
            "WAYFARE_PROVIDER_TIMEOUT_MS".into(),
            self.provider_timeout_ms,
        )
    }
}

#[derive(Debug, Clone)]
pub struct PaymentConfig {
    /// Deadline for one provider call; a charge still unanswered then stays processing.
    pub provider_timeout: Duration,
    /// How long a concurrent duplicate waits for the first request with its key to finish.
    pub duplicate_wait: Duration,
}

impl PaymentConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let p: PaymentSettings = settings.section();
        let provider_timeout = Duration::from_millis(p.provider_timeout_ms);
        Self {
            provider_timeout,
            duplicate_wait: provider_timeout + Duration::from_secs(2),
        }
    }
}
