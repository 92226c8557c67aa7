//! Layered configuration: built-in defaults < a TOML file < `WAYFARE_*` environment variables
//! < command-line flags. The whole configuration is validated before any port is bound; an
//! invalid setting is reported as one line naming the setting (see [`ConfigError`]).
//!
//! Every field is documented here and in `config/wayfare.sample.toml`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Every service this binary knows, in dependency order (a service only calls services listed
/// before it, except the gateway which calls all of them and so comes last).
pub const SERVICES: &[&str] = &["auth", "catalog", "payment", "order", "gateway"];

/// One line that names the offending setting; the binary prints it and exits with code 64.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {setting}: {reason}")]
pub struct ConfigError {
    pub setting: String,
    pub reason: String,
}

impl ConfigError {
    pub fn new(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            reason: reason.into(),
        }
    }
}

/// How logs are written: JSON for Promtail/Loki, or human-readable on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON unless stdout is a terminal.
    #[default]
    Auto,
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Which services to run: `all`, or a comma-separated list of service names.
    pub target: String,
    /// Address of the public port (the gateway, or the single service when one target runs).
    pub listen: SocketAddr,
    /// Address of the operational port: `/healthz`, `/readyz` and `/metrics`, for probes and
    /// Prometheus only; never exposed publicly (`WAYFARE_OPS_LISTEN`).
    pub ops_listen: SocketAddr,
    /// Directory for embedded SQLite files and the generated signing key.
    pub data_dir: PathBuf,
    /// Relational database for every service (`mysql://…` or `sqlite://…`); unset means an
    /// embedded SQLite file per service under `data_dir`.
    pub database_url: Option<SecretString>,
    /// Per-service database URL overrides (`WAYFARE_<SERVICE>_DATABASE_URL`).
    pub database_urls: BTreeMap<String, SecretString>,
    /// Redis for cache and shared counters (`redis://` or `rediss://`); unset means in-process.
    pub redis_url: Option<SecretString>,
    /// Prefix of every cache key, so several deployments (or tests) can share one Redis.
    pub cache_namespace: String,
    /// Seed demo data when a service's database is empty (default: only when embedded).
    pub seed_demo_data: Option<bool>,
    pub log_format: LogFormat,
    /// `tracing` filter directives, e.g. `info,wayfare_catalog=debug`.
    pub log_filter: String,
    pub http: HttpSettings,
    pub shutdown: ShutdownSettings,
    pub upstreams: Upstreams,
    pub auth: AuthSettings,
    pub gateway: GatewaySettings,
    /// Shared key (at least 32 bytes) that services sign their internal calls with. When
    /// unset, one is generated once and kept in `data_dir/service-key`, which only works for
    /// services sharing that directory (the all-in-one process).
    pub service_key: Option<SecretString>,
    pub order: OrderSettings,
    pub payment: PaymentSettings,
    /// Test-only crash points in the checkout saga (`after_reserve`, `after_charge`): the
    /// process aborts there, so tests can prove a crash loses nothing.
    pub fault_inject: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderSettings {
    /// How long an untouched cart is kept.
    pub cart_ttl_seconds: u64,
    /// How long reserved stock is held for a checkout before the sweeper returns it.
    pub reservation_ttl_seconds: u64,
    /// Deadline for the charge call; past it the order stays pending for the reconciler.
    pub payment_timeout_ms: u64,
    /// How often the reconciler looks for orders left pending.
    pub reconcile_interval_ms: u64,
    /// How old a pending order must be before the reconciler settles it.
    pub reconcile_after_ms: u64,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            cart_ttl_seconds: 7 * 24 * 3600,
            reservation_ttl_seconds: 900,
            payment_timeout_ms: 8_000,
            reconcile_interval_ms: 10_000,
            reconcile_after_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    /// Deadline for one call to the payment provider.
    pub provider_timeout_ms: u64,
    /// How long idempotency records (and so replays) are kept.
    pub idempotency_ttl_hours: u64,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        Self {
            provider_timeout_ms: 5_000,
            idempotency_ttl_hours: 48,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest accepted request body; larger ones get 413.
    pub body_limit_bytes: usize,
    /// Deadline for one request inside a service; past it the client gets 503.
    pub request_timeout_ms: u64,
    /// Deadline for one service-to-service call, retries included.
    pub client_timeout_ms: u64,
    /// Time a client has to send a request's headers, and to start its next request on a
    /// kept-alive connection; slower clients are disconnected (slowloris).
    pub header_read_timeout_ms: u64,
    /// Open connections per listener; past it new connections wait in the backlog.
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// After SIGTERM: report not-ready and keep serving this long, so load balancers notice.
    pub drain_delay_seconds: u64,
    /// Then stop accepting and give in-flight requests at most this long to finish.
    pub grace_seconds: u64,
}

/// Base URLs of the other services (`WAYFARE_<SERVICE>_URL`). When a service runs in the same
/// process its URL is filled in automatically.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Upstreams {
    pub auth: Option<String>,
    pub catalog: Option<String>,
    pub order: Option<String>,
    pub payment: Option<String>,
    pub flight: Option<String>,
    pub booking: Option<String>,
    pub admin: Option<String>,
}

impl Upstreams {
    pub fn get(&self, service: &str) -> Option<&str> {
        match service {
            "auth" => self.auth.as_deref(),
            "catalog" => self.catalog.as_deref(),
            "order" => self.order.as_deref(),
            "payment" => self.payment.as_deref(),
            "flight" => self.flight.as_deref(),
            "booking" => self.booking.as_deref(),
            "admin" => self.admin.as_deref(),
            _ => None,
        }
    }

    pub fn set(&mut self, service: &str, url: String) {
        let slot = match service {
            "auth" => &mut self.auth,
            "catalog" => &mut self.catalog,
            "order" => &mut self.order,
            "payment" => &mut self.payment,
            "flight" => &mut self.flight,
            "booking" => &mut self.booking,
            "admin" => &mut self.admin,
            _ => return,
        };
        *slot = Some(url);
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// `iss` of access tokens.
    pub jwt_issuer: String,
    /// `aud` of access tokens; verifiers reject any other audience.
    pub jwt_audience: String,
    pub access_token_ttl_seconds: u64,
    pub refresh_token_ttl_seconds: u64,
    /// Ed25519 private key, PKCS#8 PEM. Takes precedence over `signing_key_file`.
    pub signing_key: Option<SecretString>,
    /// File holding the PEM key. When neither is set, a key is generated once and kept in
    /// `data_dir/auth-signing-key.pem`.
    pub signing_key_file: Option<PathBuf>,
    /// Admin account created on start when both are set and it does not exist yet. If a
    /// customer account already holds the e-mail, auth refuses to start (it never promotes).
    pub admin_email: Option<String>,
    pub admin_password: Option<SecretString>,
    /// No session outlives this, however often its refresh token is rotated.
    pub session_max_seconds: u64,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    /// Directory with the built web app; a placeholder page is served when unset or missing.
    pub web_dir: Option<PathBuf>,
    /// Allowed CORS origins (`*` for any); empty disables CORS headers.
    pub cors_origins: Vec<String>,
    /// Deadline for a proxied call; past it the client gets 504.
    pub upstream_timeout_ms: u64,
    /// How many proxies in front of the gateway append to `X-Forwarded-For` (0: use the peer).
    pub trusted_proxy_hops: usize,
    pub rate_limit: RateLimitSettings,
}

/// Token buckets: `*_per_second` is the refill rate, `*_burst` the bucket size.
#[derive(Debug, Clone, Deserialize)]
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

impl Default for Settings {
    fn default() -> Self {
        Self {
            target: "all".into(),
            listen: "127.0.0.1:8080".parse().expect("valid literal"),
            ops_listen: "127.0.0.1:9464".parse().expect("valid literal"),
            data_dir: PathBuf::from("wayfare-data"),
            database_url: None,
            database_urls: BTreeMap::new(),
            redis_url: None,
            cache_namespace: "wayfare".into(),
            seed_demo_data: None,
            log_format: LogFormat::Auto,
            log_filter: "info".into(),
            http: HttpSettings::default(),
            shutdown: ShutdownSettings::default(),
            upstreams: Upstreams::default(),
            auth: AuthSettings::default(),
            gateway: GatewaySettings::default(),
            service_key: None,
            order: OrderSettings::default(),
            payment: PaymentSettings::default(),
            fault_inject: None,
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout_ms: 10_000,
            client_timeout_ms: 3_000,
            header_read_timeout_ms: 30_000,
            max_connections: 4096,
        }
    }
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            drain_delay_seconds: 5,
            grace_seconds: 20,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_issuer: "wayfare".into(),
            jwt_audience: "wayfare-api".into(),
            access_token_ttl_seconds: 900,
            refresh_token_ttl_seconds: 30 * 24 * 3600,
            signing_key: None,
            signing_key_file: None,
            admin_email: None,
            admin_password: None,
            session_max_seconds: 90 * 24 * 3600,
            hash_concurrency: 0,
            hash_queue: 128,
            hash_queue_wait_ms: 3_000,
            login_free_failures: 5,
            login_backoff_max_seconds: 900,
        }
    }
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

/// Command-line flags, applied over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub target: Option<String>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    /// Loads defaults < file (`config_file`, else `WAYFARE_CONFIG`) < process environment <
    /// flags, then validates.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Self::load_from(config_file, &env, overrides)
    }

    /// Like [`Settings::load`] with an explicit environment (used by tests).
    pub fn load_from(
        config_file: Option<&Path>,
        env: &BTreeMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let file = config_file.map(Path::to_path_buf).or_else(|| {
            env.get("WAYFARE_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let mut settings = match file {
            Some(path) => Self::from_file(&path)?,
            None => Self::default(),
        };
        settings.apply_env(env)?;
        if let Some(target) = &overrides.target {
            settings.target = target.clone();
        }
        if let Some(listen) = &overrides.listen {
            settings.listen = parse("--listen", listen)?;
        }
        if let Some(dir) = &overrides.data_dir {
            settings.data_dir = dir.clone();
        }
        settings.validate()?;
        Ok(settings)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new("WAYFARE_CONFIG", format!("{}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| {
            ConfigError::new(
                format!("{}", path.display()),
                e.message().to_string() + &span_hint(&text, e.span()),
            )
        })
    }

    fn apply_env(&mut self, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        let secret = |name: &str| get(name).map(SecretString::from);
        if let Some(v) = get("WAYFARE_TARGET") {
            self.target = v;
        }
        if let Some(v) = get("WAYFARE_LISTEN") {
            self.listen = parse("WAYFARE_LISTEN", &v)?;
        }
        if let Some(v) = get("WAYFARE_OPS_LISTEN") {
            self.ops_listen = parse("WAYFARE_OPS_LISTEN", &v)?;
        }
        if let Some(v) = get("WAYFARE_HEADER_READ_TIMEOUT_MS") {
            self.http.header_read_timeout_ms = parse("WAYFARE_HEADER_READ_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_MAX_CONNECTIONS") {
            self.http.max_connections = parse("WAYFARE_MAX_CONNECTIONS", &v)?;
        }
        if let Some(v) = get("WAYFARE_SESSION_MAX_SECONDS") {
            self.auth.session_max_seconds = parse("WAYFARE_SESSION_MAX_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_REFRESH_TOKEN_TTL_SECONDS") {
            self.auth.refresh_token_ttl_seconds = parse("WAYFARE_REFRESH_TOKEN_TTL_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_HASH_CONCURRENCY") {
            self.auth.hash_concurrency = parse("WAYFARE_HASH_CONCURRENCY", &v)?;
        }
        if let Some(v) = get("WAYFARE_HASH_QUEUE") {
            self.auth.hash_queue = parse("WAYFARE_HASH_QUEUE", &v)?;
        }
        if let Some(v) = get("WAYFARE_HASH_QUEUE_WAIT_MS") {
            self.auth.hash_queue_wait_ms = parse("WAYFARE_HASH_QUEUE_WAIT_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_LOGIN_FREE_FAILURES") {
            self.auth.login_free_failures = parse("WAYFARE_LOGIN_FREE_FAILURES", &v)?;
        }
        if let Some(v) = get("WAYFARE_LOGIN_BACKOFF_MAX_SECONDS") {
            self.auth.login_backoff_max_seconds = parse("WAYFARE_LOGIN_BACKOFF_MAX_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_SIGNUP_PER_HOUR") {
            self.gateway.rate_limit.signup_per_hour =
                parse("WAYFARE_RATE_LIMIT_SIGNUP_PER_HOUR", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_SIGNUP_BURST") {
            self.gateway.rate_limit.signup_burst = parse("WAYFARE_RATE_LIMIT_SIGNUP_BURST", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_REFRESH_PER_MINUTE") {
            self.gateway.rate_limit.refresh_per_minute =
                parse("WAYFARE_RATE_LIMIT_REFRESH_PER_MINUTE", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_REFRESH_BURST") {
            self.gateway.rate_limit.refresh_burst = parse("WAYFARE_RATE_LIMIT_REFRESH_BURST", &v)?;
        }
        if let Some(v) = get("WAYFARE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = secret("WAYFARE_DATABASE_URL") {
            self.database_url = Some(v);
        }
        for service in crate::config::ALL_SERVICE_NAMES {
            let name = format!("WAYFARE_{}_DATABASE_URL", service.to_uppercase());
            if let Some(v) = secret(&name) {
                self.database_urls.insert((*service).to_string(), v);
            }
            if let Some(v) = get(&format!("WAYFARE_{}_URL", service.to_uppercase())) {
                self.upstreams.set(service, v);
            }
        }
        if let Some(v) = secret("WAYFARE_REDIS_URL") {
            self.redis_url = Some(v);
        }
        if let Some(v) = get("WAYFARE_CACHE_NAMESPACE") {
            self.cache_namespace = v;
        }
        if let Some(v) = get("WAYFARE_SEED_DEMO_DATA") {
            self.seed_demo_data = Some(parse("WAYFARE_SEED_DEMO_DATA", &v)?);
        }
        if let Some(v) = get("WAYFARE_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "auto" => LogFormat::Auto,
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                _ => {
                    return Err(ConfigError::new(
                        "WAYFARE_LOG_FORMAT",
                        format!("'{v}' is not one of auto, json, pretty"),
                    ))
                }
            };
        }
        if let Some(v) = get("WAYFARE_LOG").or_else(|| get("RUST_LOG")) {
            self.log_filter = v;
        }
        if let Some(v) = get("WAYFARE_BODY_LIMIT_BYTES") {
            self.http.body_limit_bytes = parse("WAYFARE_BODY_LIMIT_BYTES", &v)?;
        }
        if let Some(v) = get("WAYFARE_REQUEST_TIMEOUT_MS") {
            self.http.request_timeout_ms = parse("WAYFARE_REQUEST_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_CLIENT_TIMEOUT_MS") {
            self.http.client_timeout_ms = parse("WAYFARE_CLIENT_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_DRAIN_DELAY_SECONDS") {
            self.shutdown.drain_delay_seconds = parse("WAYFARE_DRAIN_DELAY_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_SHUTDOWN_GRACE_SECONDS") {
            self.shutdown.grace_seconds = parse("WAYFARE_SHUTDOWN_GRACE_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_JWT_ISSUER") {
            self.auth.jwt_issuer = v;
        }
        if let Some(v) = get("WAYFARE_JWT_AUDIENCE") {
            self.auth.jwt_audience = v;
        }
        if let Some(v) = get("WAYFARE_ACCESS_TOKEN_TTL_SECONDS") {
            self.auth.access_token_ttl_seconds = parse("WAYFARE_ACCESS_TOKEN_TTL_SECONDS", &v)?;
        }
        if let Some(v) = secret("WAYFARE_JWT_SIGNING_KEY") {
            self.auth.signing_key = Some(v);
        }
        if let Some(v) = get("WAYFARE_JWT_SIGNING_KEY_FILE") {
            self.auth.signing_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("WAYFARE_ADMIN_EMAIL") {
            self.auth.admin_email = Some(v);
        }
        if let Some(v) = secret("WAYFARE_ADMIN_PASSWORD") {
            self.auth.admin_password = Some(v);
        }
        if let Some(v) = get("WAYFARE_WEB_DIR") {
            self.gateway.web_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = get("WAYFARE_CORS_ORIGINS") {
            self.gateway.cors_origins = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = get("WAYFARE_UPSTREAM_TIMEOUT_MS") {
            self.gateway.upstream_timeout_ms = parse("WAYFARE_UPSTREAM_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_TRUSTED_PROXY_HOPS") {
            self.gateway.trusted_proxy_hops = parse("WAYFARE_TRUSTED_PROXY_HOPS", &v)?;
        }
        if let Some(v) = secret("WAYFARE_SERVICE_KEY") {
            self.service_key = Some(v);
        }
        if let Some(v) = get("WAYFARE_FAULT_INJECT") {
            self.fault_inject = Some(v);
        }
        let order = &mut self.order;
        if let Some(v) = get("WAYFARE_CART_TTL_SECONDS") {
            order.cart_ttl_seconds = parse("WAYFARE_CART_TTL_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_RESERVATION_TTL_SECONDS") {
            order.reservation_ttl_seconds = parse("WAYFARE_RESERVATION_TTL_SECONDS", &v)?;
        }
        if let Some(v) = get("WAYFARE_PAYMENT_TIMEOUT_MS") {
            order.payment_timeout_ms = parse("WAYFARE_PAYMENT_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_RECONCILE_INTERVAL_MS") {
            order.reconcile_interval_ms = parse("WAYFARE_RECONCILE_INTERVAL_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_RECONCILE_AFTER_MS") {
            order.reconcile_after_ms = parse("WAYFARE_RECONCILE_AFTER_MS", &v)?;
        }
        if let Some(v) = get("WAYFARE_PROVIDER_TIMEOUT_MS") {
            self.payment.provider_timeout_ms = parse("WAYFARE_PROVIDER_TIMEOUT_MS", &v)?;
        }
        let rl = &mut self.gateway.rate_limit;
        if let Some(v) = get("WAYFARE_RATE_LIMIT_ENABLED") {
            rl.enabled = parse("WAYFARE_RATE_LIMIT_ENABLED", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_PER_CLIENT_PER_SECOND") {
            rl.per_client_per_second = parse("WAYFARE_RATE_LIMIT_PER_CLIENT_PER_SECOND", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_PER_CLIENT_BURST") {
            rl.per_client_burst = parse("WAYFARE_RATE_LIMIT_PER_CLIENT_BURST", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_PER_USER_PER_SECOND") {
            rl.per_user_per_second = parse("WAYFARE_RATE_LIMIT_PER_USER_PER_SECOND", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_PER_USER_BURST") {
            rl.per_user_burst = parse("WAYFARE_RATE_LIMIT_PER_USER_BURST", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_LOGIN_PER_MINUTE") {
            rl.login_per_minute = parse("WAYFARE_RATE_LIMIT_LOGIN_PER_MINUTE", &v)?;
        }
        if let Some(v) = get("WAYFARE_RATE_LIMIT_LOGIN_BURST") {
            rl.login_burst = parse("WAYFARE_RATE_LIMIT_LOGIN_BURST", &v)?;
        }
        Ok(())
    }

    /// The chosen services, in dependency order.
    pub fn targets(&self) -> Result<Vec<&'static str>, ConfigError> {
        let wanted: Vec<&str> = self.target.split(',').map(str::trim).collect();
        if wanted.contains(&"all") {
            return Ok(SERVICES.to_vec());
        }
        for name in &wanted {
            if !SERVICES.contains(name) {
                return Err(ConfigError::new(
                    "WAYFARE_TARGET",
                    format!(
                        "unknown target '{name}' (known: all, {})",
                        SERVICES.join(", ")
                    ),
                ));
            }
        }
        Ok(SERVICES
            .iter()
            .copied()
            .filter(|s| wanted.contains(s))
            .collect())
    }

    /// The database URL one service uses: its override, the shared URL, or its embedded file.
    pub fn database_url_for(&self, service: &str) -> String {
        if let Some(url) = self
            .database_urls
            .get(service)
            .or(self.database_url.as_ref())
        {
            return url.expose_secret().to_string();
        }
        let path = self.data_dir.join(format!("{service}.db"));
        format!("sqlite://{}?mode=rwc", path.display())
    }

    /// Whether the service runs on embedded storage (no URL configured for it).
    pub fn is_embedded(&self, service: &str) -> bool {
        self.database_urls
            .get(service)
            .or(self.database_url.as_ref())
            .is_none()
    }

    pub fn should_seed_demo_data(&self, service: &str) -> bool {
        self.seed_demo_data
            .unwrap_or_else(|| self.is_embedded(service))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.targets()?;
        let check_db = |setting: &str, url: &SecretString| {
            let url = url.expose_secret();
            if !["sqlite:", "mysql:", "mariadb:"]
                .iter()
                .any(|p| url.starts_with(p))
            {
                return Err(ConfigError::new(
                    setting,
                    "expected a sqlite://, mysql:// or mariadb:// URL",
                ));
            }
            Ok(())
        };
        if let Some(url) = &self.database_url {
            check_db("WAYFARE_DATABASE_URL", url)?;
        }
        for (service, url) in &self.database_urls {
            check_db(
                &format!("WAYFARE_{}_DATABASE_URL", service.to_uppercase()),
                url,
            )?;
        }
        if let Some(url) = &self.redis_url {
            let url = url.expose_secret();
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::new(
                    "WAYFARE_REDIS_URL",
                    "expected a redis:// or rediss:// URL",
                ));
            }
        }
        for service in ALL_SERVICE_NAMES {
            if let Some(url) = self.upstreams.get(service) {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::new(
                        format!("WAYFARE_{}_URL", service.to_uppercase()),
                        format!("'{url}' is not an http(s) URL"),
                    ));
                }
            }
        }
        if self.http.body_limit_bytes == 0 {
            return Err(ConfigError::new(
                "WAYFARE_BODY_LIMIT_BYTES",
                "must be greater than 0",
            ));
        }
        if self.http.request_timeout_ms == 0 {
            return Err(ConfigError::new(
                "WAYFARE_REQUEST_TIMEOUT_MS",
                "must be greater than 0",
            ));
        }
        if self.auth.access_token_ttl_seconds == 0 {
            return Err(ConfigError::new(
                "WAYFARE_ACCESS_TOKEN_TTL_SECONDS",
                "must be greater than 0",
            ));
        }
        if self.auth.admin_email.is_some() != self.auth.admin_password.is_some() {
            return Err(ConfigError::new(
                "WAYFARE_ADMIN_PASSWORD",
                "WAYFARE_ADMIN_EMAIL and WAYFARE_ADMIN_PASSWORD must be set together",
            ));
        }
        if let Some(p) = &self.auth.admin_password {
            if p.expose_secret().chars().count() < 10 {
                return Err(ConfigError::new(
                    "WAYFARE_ADMIN_PASSWORD",
                    "must be at least 10 characters",
                ));
            }
        }
        if let Some(key) = &self.service_key {
            if key.expose_secret().len() < 32 {
                return Err(ConfigError::new(
                    "WAYFARE_SERVICE_KEY",
                    "must be at least 32 characters",
                ));
            }
        }
        if let Some(point) = &self.fault_inject {
            if !["after_reserve", "after_charge"].contains(&point.as_str()) {
                return Err(ConfigError::new(
                    "WAYFARE_FAULT_INJECT",
                    "must be after_reserve or after_charge",
                ));
            }
        }
        self.validate_deadlines()?;
        if self.http.header_read_timeout_ms == 0 || self.http.max_connections == 0 {
            return Err(ConfigError::new(
                "WAYFARE_HEADER_READ_TIMEOUT_MS",
                "connection limits must be greater than 0",
            ));
        }
        if self.order.reconcile_interval_ms == 0 || self.order.reservation_ttl_seconds == 0 {
            return Err(ConfigError::new(
                "WAYFARE_RECONCILE_INTERVAL_MS",
                "order intervals must be greater than 0",
            ));
        }
        let rl = &self.gateway.rate_limit;
        if rl.enabled
            && (rl.per_client_per_second <= 0.0
                || rl.per_user_per_second <= 0.0
                || rl.login_per_minute <= 0.0)
        {
            return Err(ConfigError::new(
                "WAYFARE_RATE_LIMIT_*",
                "rates must be positive",
            ));
        }
        Ok(())
    }
}

impl Settings {
    /// Each caller's whole budget for a call (retries included) must end before the caller's
    /// own request deadline, and a callee must give up on its own dependency before its caller
    /// gives up on it; otherwise a slow dependency shows up as a confusing error one hop away.
    fn validate_deadlines(&self) -> Result<(), ConfigError> {
        let request = self.http.request_timeout_ms;
        let must_fit = |setting: &str, budget: u64, deadline: u64, what: &str| {
            if budget >= deadline {
                Err(ConfigError::new(
                    setting,
                    format!("{budget} ms must be less than {what} ({deadline} ms)"),
                ))
            } else {
                Ok(())
            }
        };
        must_fit(
            "WAYFARE_CLIENT_TIMEOUT_MS",
            self.http.client_timeout_ms,
            request,
            "WAYFARE_REQUEST_TIMEOUT_MS, the caller's own deadline",
        )?;
        must_fit(
            "WAYFARE_PAYMENT_TIMEOUT_MS",
            self.order.payment_timeout_ms,
            request,
            "WAYFARE_REQUEST_TIMEOUT_MS, order's own deadline",
        )?;
        must_fit(
            "WAYFARE_PROVIDER_TIMEOUT_MS",
            self.payment.provider_timeout_ms,
            request,
            "WAYFARE_REQUEST_TIMEOUT_MS, payment's own deadline",
        )?;
        // The gateway's own deadline is its upstream budget plus a margin (the supervisor
        // sets it), so the whole proxied call, its one retry included, always fits.
        if self.gateway.upstream_timeout_ms == 0 {
            return Err(ConfigError::new(
                "WAYFARE_UPSTREAM_TIMEOUT_MS",
                "must be greater than 0",
            ));
        }
        Ok(())
    }
}

/// Every service name the platform will have, including those not built yet, so that their
/// URLs and database overrides are recognised already.
pub const ALL_SERVICE_NAMES: &[&str] = &[
    "auth", "catalog", "order", "payment", "flight", "booking", "admin",
];

fn parse<T: std::str::FromStr>(setting: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e| ConfigError::new(setting, format!("'{value}': {e}")))
}

fn span_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => {
            let line = text[..span.start.min(text.len())].lines().count().max(1);
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_embedded() {
        let s = Settings::load_from(None, &env(&[]), &Overrides::default()).unwrap();
        assert_eq!(s.targets().unwrap(), SERVICES);
        assert!(s.is_embedded("catalog"));
        assert!(s.database_url_for("catalog").starts_with("sqlite://"));
    }

    #[test]
    fn environment_overrides_file_and_flags_override_environment() {
        let dir = tempfile_dir();
        let file = dir.join("w.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[http]\nbody_limit_bytes = 10\n",
        )
        .unwrap();
        let e = env(&[("WAYFARE_LISTEN", "127.0.0.1:9001")]);
        let s = Settings::load_from(Some(&file), &e, &Overrides::default()).unwrap();
        assert_eq!(s.listen.port(), 9001);
        assert_eq!(s.http.body_limit_bytes, 10);
        let flags = Overrides {
            listen: Some("127.0.0.1:9002".into()),
            ..Default::default()
        };
        let s = Settings::load_from(Some(&file), &e, &flags).unwrap();
        assert_eq!(s.listen.port(), 9002);
    }

    #[test]
    fn invalid_settings_are_named() {
        let err = Settings::load_from(
            None,
            &env(&[("WAYFARE_LISTEN", "nope")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "WAYFARE_LISTEN");
        let err = Settings::load_from(
            None,
            &env(&[("WAYFARE_TARGET", "nope")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "WAYFARE_TARGET");
        let err = Settings::load_from(
            None,
            &env(&[("WAYFARE_DATABASE_URL", "postgres://x")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.setting, "WAYFARE_DATABASE_URL");
    }

    #[test]
    fn per_service_database_url_wins() {
        let e = env(&[
            ("WAYFARE_DATABASE_URL", "mysql://a/shared"),
            ("WAYFARE_CATALOG_DATABASE_URL", "mysql://a/catalog"),
        ]);
        let s = Settings::load_from(None, &e, &Overrides::default()).unwrap();
        assert_eq!(s.database_url_for("catalog"), "mysql://a/catalog");
        assert_eq!(s.database_url_for("auth"), "mysql://a/shared");
        assert!(!s.should_seed_demo_data("auth"));
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wayfare-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    /// The commented sample in config/ must stay loadable as the settings change.
    #[test]
    fn the_sample_config_file_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/wayfare.sample.toml");
        let settings =
            Settings::load_from(Some(&path), &BTreeMap::new(), &Overrides::default()).unwrap();
        assert_eq!(settings.listen.port(), 8080);
    }

    #[test]
    fn call_budgets_must_fit_inside_the_callers_deadline() {
        for (name, value) in [
            ("WAYFARE_PAYMENT_TIMEOUT_MS", "10000"),
            ("WAYFARE_CLIENT_TIMEOUT_MS", "12000"),
            ("WAYFARE_PROVIDER_TIMEOUT_MS", "10000"),
            ("WAYFARE_UPSTREAM_TIMEOUT_MS", "0"),
        ] {
            let env: BTreeMap<String, String> = [(name.to_string(), value.to_string())]
                .into_iter()
                .collect();
            let err = Settings::load_from(None, &env, &Overrides::default()).unwrap_err();
            assert_eq!(err.setting, name, "{err}");
        }
        // The defaults are consistent.
        Settings::load_from(None, &BTreeMap::new(), &Overrides::default()).unwrap();
    }
}
