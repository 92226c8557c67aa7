//! payment's settings, resolved once at start.

use std::time::Duration;

use wayfare_chassis::config::Settings;

#[derive(Debug, Clone)]
pub struct PaymentConfig {
    /// Deadline for one provider call; a charge still unanswered then has failed.
    pub provider_timeout: Duration,
    /// How long a concurrent duplicate waits for the first request with its key to finish.
    pub duplicate_wait: Duration,
}

impl PaymentConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        let provider_timeout = Duration::from_millis(settings.payment.provider_timeout_ms);
        Self {
            provider_timeout,
            duplicate_wait: provider_timeout + Duration::from_secs(2),
        }
    }
}
