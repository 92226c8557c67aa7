//! The gateway keeps no tables: its only state is rate-limit buckets, held in the shared cache
//! (Redis when configured, so every replica draws from the same bucket).

use std::time::Duration;

use crate::config::RateLimitSettings;
use wayfare_chassis::cache::Cache;
use wayfare_chassis::ApiError;

#[derive(Clone)]
pub struct RateLimiter {
    cache: Cache,
    settings: RateLimitSettings,
}

impl RateLimiter {
    pub fn new(cache: Cache, settings: RateLimitSettings) -> Self {
        Self { cache, settings }
    }

    async fn take(
        &self,
        bucket: &str,
        key: &str,
        per_second: f64,
        burst: u32,
    ) -> Result<(), ApiError> {
        if !self.settings.enabled {
            return Ok(());
        }
        let decision = self
            .cache
            .take_token(&format!("{bucket}:{key}"), per_second, burst)
            .await;
        if decision.allowed {
            return Ok(());
        }
        metrics::counter!("gateway_rate_limited_total", "bucket" => bucket.to_string())
            .increment(1);
        Err(ApiError::RateLimited {
            retry_after_seconds: retry_seconds(decision.retry_after),
        })
    }

    pub async fn per_client(&self, ip: &str) -> Result<(), ApiError> {
        self.take(
            "client",
            ip,
            self.settings.per_client_per_second,
            self.settings.per_client_burst,
        )
        .await
    }

    pub async fn per_user(&self, user_id: &str) -> Result<(), ApiError> {
        self.take(
            "user",
            user_id,
            self.settings.per_user_per_second,
            self.settings.per_user_burst,
        )
        .await
    }

    /// The stricter per-address bucket of an endpoint that costs a password hash or guards
    /// credentials (login, signup, refresh), if `method path` is one.
    pub async fn sensitive(
        &self,
        method: &http::Method,
        path: &str,
        ip: &str,
    ) -> Result<(), ApiError> {
        if method != http::Method::POST {
            return Ok(());
        }
        let s = &self.settings;
        match path {
            "/api/auth/login" => {
                self.take("login", ip, s.login_per_minute / 60.0, s.login_burst)
                    .await
            }
            "/api/auth/signup" => {
                self.take("signup", ip, s.signup_per_hour / 3600.0, s.signup_burst)
                    .await
            }
            "/api/auth/refresh" => {
                self.take("refresh", ip, s.refresh_per_minute / 60.0, s.refresh_burst)
                    .await
            }
            _ => Ok(()),
        }
    }
}

fn retry_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}
