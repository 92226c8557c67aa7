//! The part of the settings auth uses, resolved once at start.

use wayfare_chassis::config::Settings;

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_seconds: u64,
    pub refresh_token_ttl_seconds: u64,
    pub session_max_seconds: u64,
}

impl AuthConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            issuer: settings.auth.jwt_issuer.clone(),
            audience: settings.auth.jwt_audience.clone(),
            access_token_ttl_seconds: settings.auth.access_token_ttl_seconds,
            refresh_token_ttl_seconds: settings.auth.refresh_token_ttl_seconds,
            session_max_seconds: settings.auth.session_max_seconds,
        }
    }
}
