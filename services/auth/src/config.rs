//! auth's settings: the `[auth]` section, and the values resolved from it at start.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use wayfare_chassis::config::{ConfigError, Section, Settings};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    pub access_token_ttl_seconds: u64,
    /// A refresh token's life (each refresh gives a new one).
    pub refresh_token_ttl_seconds: u64,
    /// No session outlives this, however often its refresh token is rotated.
    pub session_max_seconds: u64,
    /// Ed25519 private key, PKCS#8 PEM. Takes precedence over `signing_key_file`.
    #[serde(skip_serializing)]
    pub signing_key: Option<SecretString>,
    /// File holding the PEM key. When neither is set, a key is generated once and kept in
    /// `data_dir/auth-signing-key.pem`.
    pub signing_key_file: Option<PathBuf>,
    /// Admin account created on start when both are set and it does not exist yet. If a
    /// customer account already holds the e-mail, auth refuses to start (it never promotes).
    pub admin_email: Option<String>,
    #[serde(skip_serializing)]
    pub admin_password: Option<SecretString>,
    /// Password hashes computed at once (0: one per CPU core); each takes ~19 MiB.
    pub hash_concurrency: usize,
    /// Hash requests allowed to wait for a slot; past it the answer is 503 + Retry-After.
    pub hash_queue: usize,
    /// How long a queued hash request waits for a slot before 503.
    pub hash_queue_wait_ms: u64,
    /// Failed logins for one account before each further attempt must wait (backoff).
    pub login_free_failures: u32,
    /// Longest wait the per-account backoff imposes.
    pub login_backoff_max_seconds: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl_seconds: 900,
            refresh_token_ttl_seconds: 30 * 24 * 3600,
            session_max_seconds: 90 * 24 * 3600,
            signing_key: None,
            signing_key_file: None,
            admin_email: None,
            admin_password: None,
            hash_concurrency: 0,
            hash_queue: 128,
            hash_queue_wait_ms: 3_000,
            login_free_failures: 5,
            login_backoff_max_seconds: 900,
        }
    }
}

impl Section for AuthSettings {
    const KEY: &'static str = "auth";
    const ENV: &'static [(&'static str, &'static str)] = &[
        (
            "WAYFARE_ACCESS_TOKEN_TTL_SECONDS",
            "access_token_ttl_seconds",
        ),
        (
            "WAYFARE_REFRESH_TOKEN_TTL_SECONDS",
            "refresh_token_ttl_seconds",
        ),
        ("WAYFARE_SESSION_MAX_SECONDS", "session_max_seconds"),
        ("WAYFARE_JWT_SIGNING_KEY", "signing_key"),
        ("WAYFARE_JWT_SIGNING_KEY_FILE", "signing_key_file"),
        ("WAYFARE_ADMIN_EMAIL", "admin_email"),
        ("WAYFARE_ADMIN_PASSWORD", "admin_password"),
        ("WAYFARE_HASH_CONCURRENCY", "hash_concurrency"),
        ("WAYFARE_HASH_QUEUE", "hash_queue"),
        ("WAYFARE_HASH_QUEUE_WAIT_MS", "hash_queue_wait_ms"),
        ("WAYFARE_LOGIN_FREE_FAILURES", "login_free_failures"),
        (
            "WAYFARE_LOGIN_BACKOFF_MAX_SECONDS",
            "login_backoff_max_seconds",
        ),
    ];

    fn validate(&self, _core: &Settings) -> Result<(), ConfigError> {
        if self.access_token_ttl_seconds == 0 {
            return Err(ConfigError::new(
                "WAYFARE_ACCESS_TOKEN_TTL_SECONDS",
                "must be greater than 0",
            ));
        }
        if self.admin_email.is_some() != self.admin_password.is_some() {
            return Err(ConfigError::new(
                "WAYFARE_ADMIN_PASSWORD",
                "WAYFARE_ADMIN_EMAIL and WAYFARE_ADMIN_PASSWORD must be set together",
            ));
        }
        if let Some(p) = &self.admin_password {
            if p.expose_secret().chars().count() < 10 {
                return Err(ConfigError::new(
                    "WAYFARE_ADMIN_PASSWORD",
                    "must be at least 10 characters",
                ));
            }
        }
        Ok(())
    }
}

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
        let auth: AuthSettings = settings.section();
        Self {
            issuer: settings.jwt.issuer.clone(),
            audience: settings.jwt.audience.clone(),
            access_token_ttl_seconds: auth.access_token_ttl_seconds,
            refresh_token_ttl_seconds: auth.refresh_token_ttl_seconds,
            session_max_seconds: auth.session_max_seconds,
        }
    }
}
