//! Layered configuration, loaded with figment: built-in defaults < a TOML file < `WAYFARE_*`
//! environment variables < command-line flags. The chassis owns the platform-wide settings
//! ([`Settings`]: ports, storage, HTTP limits, shutdown, tokens); every service owns a section of
//! its own (a [`Section`] type in its crate, named in its [`crate::module::Module`]). The whole
//! configuration, every section included, is validated before any port is bound; an invalid
//! setting is reported as one line naming it (see [`ConfigError`]).
//!
//! An environment variable maps to one setting through the tables the settings types declare
//! ([`CORE_ENV`], [`Section::ENV`]), plus `WAYFARE_<SERVICE>_URL` and
//! `WAYFARE_<SERVICE>_DATABASE_URL` for every service in the registry. Empty variables are
//! ignored.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What the loader needs to know of one service: its name (for `WAYFARE_<NAME>_URL` and
/// `WAYFARE_<NAME>_DATABASE_URL`) and its settings section, if any. The registry provides
/// these (see `module::Registry::load_settings`).
#[derive(Clone, Copy)]
pub struct ServiceSettings<'a> {
    pub name: &'static str,
    pub section: Option<&'a SectionSpec>,
}

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

/// How logs are written: JSON for the log agent, or human-readable on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON unless stdout is a terminal.
    #[default]
    Auto,
    Json,
    Pretty,
}

/// A service's own settings: a `[KEY]` table in the file, environment variables by
/// [`Section::ENV`], defaults by `Default`, and its own checks (which may look at the
/// platform-wide settings, e.g. to fit a call budget inside the request deadline).
pub trait Section: Serialize + DeserializeOwned + Default {
    /// The table name, e.g. `order`.
    const KEY: &'static str;
    /// Environment variable → field (dotted for nested tables), e.g.
    /// `("WAYFARE_PAYMENT_TIMEOUT_MS", "payment_timeout_ms")`.
    const ENV: &'static [(&'static str, &'static str)];

    fn validate(&self, _core: &Settings) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// Platform-wide settings: what the chassis itself needs, the same for every service.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    /// Which services to run: `all`, or a comma-separated list of service names.
    pub target: String,
    /// Address of the public port (the gateway, or the single service when one target runs).
    pub listen: SocketAddr,
    /// Address of the operational port: `/healthz`, `/readyz` and `/metrics`, for probes and
    /// Prometheus only; never exposed publicly.
    pub ops_listen: SocketAddr,
    /// Directory for embedded SQLite files and the generated keys.
    pub data_dir: PathBuf,
    /// Relational database for every service (`mysql://…` or `sqlite://…`); unset means an
    /// embedded SQLite file per service under `data_dir`.
    #[serde(skip_serializing)]
    pub database_url: Option<SecretString>,
    /// Per-service database URL overrides (`WAYFARE_<SERVICE>_DATABASE_URL`).
    #[serde(skip_serializing)]
    pub database_urls: BTreeMap<String, SecretString>,
    /// Redis for cache and shared counters (`redis://` or `rediss://`); unset means in-process.
    #[serde(skip_serializing)]
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
    pub jwt: JwtSettings,
    /// Base URLs of the other services (`WAYFARE_<SERVICE>_URL`). When a service runs in the
    /// same process its URL is filled in automatically.
    pub upstreams: BTreeMap<String, String>,
    /// Shared key (at least 32 bytes) that services sign their internal calls with. When
    /// unset, one is generated once and kept in `data_dir/service-key`, which only works for
    /// services sharing that directory (the all-in-one process).
    #[serde(skip_serializing)]
    pub service_key: Option<SecretString>,
    /// Test-only crash points (a service's `fault_points`, e.g. `after_charge`): the process
    /// aborts there, so tests can prove a crash loses nothing.
    pub fault_inject: Option<String>,
    /// The merged configuration, from which each service reads its own section.
    #[serde(skip)]
    pub sources: Figment,
    /// Every service of the registry, in dependency order (set by the loader).
    #[serde(skip)]
    pub service_names: Vec<&'static str>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// After SIGTERM: report not-ready and keep serving this long, so load balancers notice.
    pub drain_delay_seconds: u64,
    /// Then stop accepting and give in-flight requests at most this long to finish.
    pub grace_seconds: u64,
}

/// What every verifier of access tokens checks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens; verifiers reject any other audience.
    pub audience: String,
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
            jwt: JwtSettings::default(),
            upstreams: BTreeMap::new(),
            service_key: None,
            fault_inject: None,
            sources: Figment::new(),
            service_names: Vec::new(),
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

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            issuer: "wayfare".into(),
            audience: "wayfare-api".into(),
        }
    }
}

/// Environment variables of the platform-wide settings. `WAYFARE_LOG` wins over `RUST_LOG`.
pub const CORE_ENV: &[(&str, &str)] = &[
    ("WAYFARE_TARGET", "target"),
    ("WAYFARE_LISTEN", "listen"),
    ("WAYFARE_OPS_LISTEN", "ops_listen"),
    ("WAYFARE_DATA_DIR", "data_dir"),
    ("WAYFARE_DATABASE_URL", "database_url"),
    ("WAYFARE_REDIS_URL", "redis_url"),
    ("WAYFARE_CACHE_NAMESPACE", "cache_namespace"),
    ("WAYFARE_SEED_DEMO_DATA", "seed_demo_data"),
    ("WAYFARE_LOG_FORMAT", "log_format"),
    ("RUST_LOG", "log_filter"),
    ("WAYFARE_LOG", "log_filter"),
    ("WAYFARE_BODY_LIMIT_BYTES", "http.body_limit_bytes"),
    ("WAYFARE_REQUEST_TIMEOUT_MS", "http.request_timeout_ms"),
    ("WAYFARE_CLIENT_TIMEOUT_MS", "http.client_timeout_ms"),
    (
        "WAYFARE_HEADER_READ_TIMEOUT_MS",
        "http.header_read_timeout_ms",
    ),
    ("WAYFARE_MAX_CONNECTIONS", "http.max_connections"),
    (
        "WAYFARE_DRAIN_DELAY_SECONDS",
        "shutdown.drain_delay_seconds",
    ),
    ("WAYFARE_SHUTDOWN_GRACE_SECONDS", "shutdown.grace_seconds"),
    ("WAYFARE_JWT_ISSUER", "jwt.issuer"),
    ("WAYFARE_JWT_AUDIENCE", "jwt.audience"),
    ("WAYFARE_SERVICE_KEY", "service_key"),
    ("WAYFARE_FAULT_INJECT", "fault_inject"),
];

/// Command-line flags, applied over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub target: Option<String>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// Where a setting came from, for error messages: an environment variable, a flag, or a key
/// of the file.
struct Origins {
    /// dotted path → the variable or flag that set it
    by_path: BTreeMap<String, String>,
    file: Option<PathBuf>,
}

impl Origins {
    fn name(&self, path: &str) -> String {
        if let Some(origin) = self.by_path.get(path) {
            return origin.clone();
        }
        match &self.file {
            Some(file) => format!("{}: {path}", file.display()),
            None => path.to_string(),
        }
    }
}

impl Settings {
    /// Loads defaults < file (`config_file`, else `WAYFARE_CONFIG`) < `env` < flags for the
    /// services in `modules`, then validates everything (the registry adds its
    /// cross-checks: `module::Registry::load_settings`).
    pub fn load_from(
        modules: &[ServiceSettings<'_>],
        config_file: Option<&Path>,
        env: &BTreeMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let file = config_file.map(Path::to_path_buf).or_else(|| {
            env.get("WAYFARE_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        for module in modules {
            if let Some(section) = module.section {
                figment = figment.merge(Serialized::default(section.key, (section.defaults)()));
            }
        }
        if let Some(path) = &file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new("WAYFARE_CONFIG", format!("{}: {e}", path.display()))
            })?;
            // figment reports TOML syntax errors without the file; check it here first.
            toml::from_str::<toml::Table>(&text).map_err(|e| {
                ConfigError::new(path.display().to_string(), e.message().to_string())
            })?;
            figment = figment.merge(Toml::string(&text));
        }
        let mut origins = Origins {
            by_path: BTreeMap::new(),
            file: file.clone(),
        };
        let mut from_env = Dict::new();
        let mut set = |name: &str, path: String, raw: &str, origins: &mut Origins| {
            insert_path(&mut from_env, &path, env_value(raw));
            origins.by_path.insert(path, name.to_string());
        };
        let mut table: Vec<(String, String)> = CORE_ENV
            .iter()
            .map(|(var, path)| (var.to_string(), path.to_string()))
            .collect();
        for module in modules {
            let upper = module.name.to_uppercase();
            table.push((
                format!("WAYFARE_{upper}_URL"),
                format!("upstreams.{}", module.name),
            ));
            table.push((
                format!("WAYFARE_{upper}_DATABASE_URL"),
                format!("database_urls.{}", module.name),
            ));
            if let Some(section) = module.section {
                for (var, field) in section.env {
                    table.push((var.to_string(), format!("{}.{field}", section.key)));
                }
            }
        }
        for (var, path) in &table {
            if let Some(raw) = env.get(var).filter(|v| !v.is_empty()) {
                set(var, path.clone(), raw, &mut origins);
            }
        }
        figment = figment.merge(Serialized::globals(from_env));
        let mut flags = Dict::new();
        if let Some(target) = &overrides.target {
            insert_path(&mut flags, "target", Value::from(target.clone()));
            origins.by_path.insert("target".into(), "--target".into());
        }
        if let Some(listen) = &overrides.listen {
            insert_path(&mut flags, "listen", Value::from(listen.clone()));
            origins.by_path.insert("listen".into(), "--listen".into());
        }
        if let Some(dir) = &overrides.data_dir {
            insert_path(
                &mut flags,
                "data_dir",
                Value::from(dir.display().to_string()),
            );
            origins
                .by_path
                .insert("data_dir".into(), "--data-dir".into());
        }
        figment = figment.merge(Serialized::globals(flags));

        let explain = |err: figment::Error| {
            let path = err.path.join(".");
            ConfigError::new(origins.name(&path), err.kind.to_string())
        };
        let mut settings: Settings = figment.extract().map_err(explain)?;
        settings.sources = figment.clone();
        settings.service_names = modules.iter().map(|m| m.name).collect();
        // Nothing in the file or environment that no settings type knows.
        let known: Vec<String> = serialized_keys(&Settings::default())
            .into_iter()
            .chain(["database_url", "database_urls", "redis_url", "service_key"].map(String::from))
            .chain(
                modules
                    .iter()
                    .filter_map(|m| m.section.map(|s| s.key.to_string())),
            )
            .collect();
        if let Ok(top) = figment.extract::<Dict>() {
            if let Some(unknown) = top.keys().find(|k| !known.contains(k)) {
                return Err(ConfigError::new(
                    origins.name(unknown),
                    "unknown setting".to_string(),
                ));
            }
        }
        settings.validate(&origins)?;
        for module in modules {
            if let Some(section) = module.section {
                (section.check)(&settings).map_err(|mut err| {
                    if !err.setting.starts_with("WAYFARE_") {
                        err.setting = origins.name(&err.setting);
                    }
                    err
                })?;
            }
        }
        Ok(settings)
    }

    /// This service's own settings section (validated at load time).
    pub fn section<T: Section>(&self) -> T {
        self.sources
            .extract_inner(T::KEY)
            .expect("sections are validated when the configuration is loaded")
    }

    /// The chosen services, in dependency order.
    pub fn targets(&self) -> Result<Vec<&'static str>, ConfigError> {
        let wanted: Vec<&str> = self.target.split(',').map(str::trim).collect();
        if wanted.contains(&"all") {
            return Ok(self.service_names.clone());
        }
        for name in &wanted {
            if !self.service_names.contains(name) {
                return Err(ConfigError::new(
                    "WAYFARE_TARGET",
                    format!(
                        "unknown target '{name}' (known: all, {})",
                        self.service_names.join(", ")
                    ),
                ));
            }
        }
        Ok(self
            .service_names
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

    fn validate(&self, origins: &Origins) -> Result<(), ConfigError> {
        self.targets()?;
        let check_db = |setting: String, url: &SecretString| {
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
            check_db(origins.name("database_url"), url)?;
        }
        for (service, url) in &self.database_urls {
            check_db(origins.name(&format!("database_urls.{service}")), url)?;
        }
        if let Some(url) = &self.redis_url {
            let url = url.expose_secret();
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::new(
                    origins.name("redis_url"),
                    "expected a redis:// or rediss:// URL",
                ));
            }
        }
        for (service, url) in &self.upstreams {
            if !self.service_names.contains(&service.as_str()) {
                return Err(ConfigError::new(
                    origins.name(&format!("upstreams.{service}")),
                    "no such service",
                ));
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::new(
                    origins.name(&format!("upstreams.{service}")),
                    format!("'{url}' is not an http(s) URL"),
                ));
            }
        }
        let positive = [
            ("http.body_limit_bytes", self.http.body_limit_bytes as u64),
            ("http.request_timeout_ms", self.http.request_timeout_ms),
            (
                "http.header_read_timeout_ms",
                self.http.header_read_timeout_ms,
            ),
            ("http.max_connections", self.http.max_connections as u64),
        ];
        for (path, value) in positive {
            if value == 0 {
                return Err(ConfigError::new(
                    origins.name(path),
                    "must be greater than 0",
                ));
            }
        }
        self.must_fit_request_deadline(
            origins.name("http.client_timeout_ms"),
            self.http.client_timeout_ms,
        )?;
        if let Some(key) = &self.service_key {
            if key.expose_secret().len() < 32 {
                return Err(ConfigError::new(
                    origins.name("service_key"),
                    "must be at least 32 characters",
                ));
            }
        }
        Ok(())
    }

    /// A call budget (retries included) must end before the caller's own request deadline;
    /// otherwise a slow dependency shows up as a confusing error one hop away.
    pub fn must_fit_request_deadline(
        &self,
        setting: String,
        budget_ms: u64,
    ) -> Result<(), ConfigError> {
        let deadline = self.http.request_timeout_ms;
        if budget_ms >= deadline {
            return Err(ConfigError::new(
                setting,
                format!(
                    "{budget_ms} ms must be less than WAYFARE_REQUEST_TIMEOUT_MS, the caller's own deadline ({deadline} ms)"
                ),
            ));
        }
        Ok(())
    }
}

/// An environment variable's text as a value: a bool or a number when it reads as one (as
/// TOML would), else the text itself.
fn env_value(raw: &str) -> Value {
    let raw = raw.trim();
    if let Ok(b) = raw.parse::<bool>() {
        return Value::from(b);
    }
    if let Ok(n) = raw.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Value::from(n);
    }
    if raw
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        if let Ok(x) = raw.parse::<f64>() {
            return Value::from(x);
        }
    }
    Value::from(raw.to_string())
}

/// Puts `value` at the dotted `path` of `dict`, creating tables on the way.
fn insert_path(dict: &mut Dict, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            dict.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let entry = dict
                .entry(head.to_string())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

fn serialized_keys<T: Serialize>(value: &T) -> Vec<String> {
    match Value::serialize(value) {
        Ok(Value::Dict(_, dict)) => dict.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A service's settings section as the registry carries it (see [`Section`]).
pub struct SectionSpec {
    pub key: &'static str,
    pub env: &'static [(&'static str, &'static str)],
    pub defaults: fn() -> Value,
    /// Reads the section from the loaded configuration and runs its checks.
    pub check: fn(&Settings) -> Result<(), ConfigError>,
}

impl SectionSpec {
    pub const fn of<T: Section>() -> Self {
        Self {
            key: T::KEY,
            env: T::ENV,
            defaults: defaults_of::<T>,
            check: check_of::<T>,
        }
    }

    /// The section's fields and their defaults, as a TOML table (for the sample config).
    pub fn default_table(&self) -> toml::Table {
        let value = (self.defaults)();
        toml::Table::try_from(value).unwrap_or_default()
    }
}

fn defaults_of<T: Section>() -> Value {
    Value::serialize(T::default()).expect("settings defaults serialise")
}

fn check_of<T: Section>(settings: &Settings) -> Result<(), ConfigError> {
    let section: T = settings.sources.extract_inner(T::KEY).map_err(|err| {
        let path = std::iter::once(T::KEY.to_string())
            .chain(err.path.iter().filter(|p| p.as_str() != T::KEY).cloned())
            .collect::<Vec<_>>()
            .join(".");
        ConfigError::new(path, err.kind.to_string())
    })?;
    section.validate(settings)
}

/// Deserialises a list given either as a TOML array or as one comma-separated string (as an
/// environment variable carries it).
pub fn comma_list<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        One(String),
    }
    Ok(match Either::deserialize(de)? {
        Either::List(list) => list,
        Either::One(text) => text
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    })
}
