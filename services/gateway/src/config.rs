//! The gateway's settings: the `[gateway]` section (and `[gateway.rate_limit]`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    /// Directory with the built web app; a placeholder page is served when unset or missing.
    pub web_dir: Option<PathBuf>,
    /// Allowed CORS origins (`*` for any); empty disables CORS headers.
    #[serde(deserialize_with = "wayfare_chassis::config::comma_list")]
    pub cors_origins: Vec<String>,
    /// Budget of a proxied call, its one retry included; past it the client gets 504.
    pub upstream_timeout_ms: u64,
    /// How many proxies in front of the gateway append to `X-Forwarded-For` (0: use the peer).
    pub trusted_proxy_hops: usize,
    pub rate_limit: RateLimitSettings,
}

/// Token buckets: `*_per_second` is the refill rate, `*_burst` the bucket size.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    pub enabled: bool,
    pub per_client_per_second: f64,
    pub per_client_burst: u32,
    pub per_user_per_second: f64,
    pub per_user_burst: u32,
    /// Login attempts per client address, per minute. Loose on purpose (offices and mobile
    /// carriers share addresses): guessing is stopped per account by auth's backoff.
    pub login_per_minute: f64,
    pub login_burst: u32,
    /// Sign-ups per client address, per hour (each costs a password hash).
    pub signup_per_hour: f64,
    pub signup_burst: u32,
    /// Token refreshes per client address, per minute.
    pub refresh_per_minute: f64,
    pub refresh_burst: u32,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            web_dir: None,
            cors_origins: Vec::new(),
            upstream_timeout_ms: 10_000,
            trusted_proxy_hops: 0,
            rate_limit: RateLimitSettings::default(),
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_client_per_second: 50.0,
            per_client_burst: 100,
            per_user_per_second: 25.0,
            per_user_burst: 50,
            login_per_minute: 60.0,
            login_burst: 30,
            signup_per_hour: 30.0,
            signup_burst: 10,
            refresh_per_minute: 120.0,
            refresh_burst: 60,
        }
    }
}

impl Section for GatewaySettings {
    const KEY: &'static str = "gateway";
    const ENV: &'static [(&'static str, &'static str)] = &[
        ("WAYFARE_WEB_DIR", "web_dir"),
        ("WAYFARE_CORS_ORIGINS", "cors_origins"),
        ("WAYFARE_UPSTREAM_TIMEOUT_MS", "upstream_timeout_ms"),
        ("WAYFARE_TRUSTED_PROXY_HOPS", "trusted_proxy_hops"),
        ("WAYFARE_RATE_LIMIT_ENABLED", "rate_limit.enabled"),
        (
            "WAYFARE_RATE_LIMIT_PER_CLIENT_PER_SECOND",
            "rate_limit.per_client_per_second",
        ),
        (
            "WAYFARE_RATE_LIMIT_PER_CLIENT_BURST",
            "rate_limit.per_client_burst",
        ),
        (
            "WAYFARE_RATE_LIMIT_PER_USER_PER_SECOND",
            "rate_limit.per_user_per_second",
        ),
        (
            "WAYFARE_RATE_LIMIT_PER_USER_BURST",
            "rate_limit.per_user_burst",
        ),
        (
            "WAYFARE_RATE_LIMIT_LOGIN_PER_MINUTE",
            "rate_limit.login_per_minute",
        ),
        ("WAYFARE_RATE_LIMIT_LOGIN_BURST", "rate_limit.login_burst"),
        (
            "WAYFARE_RATE_LIMIT_SIGNUP_PER_HOUR",
            "rate_limit.signup_per_hour",
        ),
        ("WAYFARE_RATE_LIMIT_SIGNUP_BURST", "rate_limit.signup_burst"),
        (
            "WAYFARE_RATE_LIMIT_REFRESH_PER_MINUTE",
            "rate_limit.refresh_per_minute",
        ),
        (
            "WAYFARE_RATE_LIMIT_REFRESH_BURST",
            "rate_limit.refresh_burst",
        ),
    ];

    fn validate(&self, _core: &Settings) -> Result<(), ConfigError> {
        // The gateway's own deadline is its upstream budget plus a margin (the supervisor
        // sets it), so the whole proxied call, its one retry included, always fits.
        if self.upstream_timeout_ms == 0 {
            return Err(ConfigError::new(
                "WAYFARE_UPSTREAM_TIMEOUT_MS",
                "must be greater than 0",
            ));
        }
        let rl = &self.rate_limit;
        if rl.enabled
            && [
                rl.per_client_per_second,
                rl.per_user_per_second,
                rl.login_per_minute,
                rl.signup_per_hour,
                rl.refresh_per_minute,
            ]
            .iter()
            .any(|rate| *rate <= 0.0)
        {
            return Err(ConfigError::new(
                "WAYFARE_RATE_LIMIT_*",
                "rates must be positive",
            ));
        }
        Ok(())
    }
}

/// The built web app: the configured directory, else `web/dist` when present.
pub fn web_dir(settings: &GatewaySettings) -> Option<PathBuf> {
    settings
        .web_dir
        .clone()
        .or_else(|| Some(PathBuf::from("web/dist")))
        .filter(|dir| dir.join("index.html").is_file())
}
