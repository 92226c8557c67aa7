//! The Wayfare service chassis: everything a service gets for free so that each service crate
//! holds only its own routes, domain and storage. Configuration ([`config`]), telemetry
//! ([`telemetry`]), problem+json errors ([`error`]), the standard HTTP stack and graceful
//! shutdown ([`server`]), health ([`health`]), metrics ([`metrics`]), storage ([`db`]), cache
//! and rate-limit buckets ([`cache`]), the service-to-service client ([`client`]) and token
//! verification ([`identity`]).

pub mod cache;
pub mod client;
pub mod config;
pub mod db;
pub mod error;
pub mod etag;
pub mod health;
pub mod idempotency;
pub mod identity;
pub mod metrics;
pub mod module;
pub mod money;
pub mod openapi;
pub mod request;
pub mod server;
pub mod service_identity;
pub mod telemetry;
#[cfg(test)]
pub(crate) mod test_support;
pub mod worker;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

pub use error::{ApiError, Json};

/// One page of a list (ARCHITECTURE §9): `next_cursor` is `null` on the last page.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page of a list ordered newest first by `(created_at, id)`: the requested size (1–100,
/// default 20) and where the previous page ended. Its cursor is opaque to clients.
#[derive(Debug, Clone)]
pub struct NewestFirst {
    pub limit: u32,
    /// `(created_at, id)` of the last item of the previous page.
    pub after: Option<(i64, String)>,
}

impl NewestFirst {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        use base64::Engine;
        let limit = limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::validation("limit", "must be between 1 and 100"));
        }
        let after = cursor
            .map(|raw| {
                let bad = || ApiError::BadRequest("invalid cursor".into());
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(raw)
                    .map_err(|_| bad())?;
                let text = String::from_utf8(bytes).map_err(|_| bad())?;
                let (created, id) = text.split_once(':').ok_or_else(bad)?;
                Ok::<_, ApiError>((created.parse().map_err(|_| bad())?, id.to_string()))
            })
            .transpose()?;
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than a page, to know whether another follows.
    pub fn fetch(&self) -> u32 {
        self.limit + 1
    }

    /// The page of `rows` (fetched with [`NewestFirst::fetch`]) and the next page's cursor;
    /// `key` gives a row's `(created_at, id)`.
    pub fn page<T, V>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> (i64, &str),
        view: impl Fn(&T) -> V,
    ) -> Page<V> {
        use base64::Engine;
        let next_cursor = if rows.len() > self.limit as usize {
            rows.truncate(self.limit as usize);
            rows.last().map(|row| {
                let (created, id) = key(row);
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{created}:{id}"))
            })
        } else {
            None
        };
        Page {
            items: rows.iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// What the supervisor hands every service when building it.
#[derive(Clone)]
pub struct ServiceContext {
    pub settings: Arc<config::Settings>,
    /// Every service of this binary (not only those running in this process).
    pub registry: module::Registry,
    /// Shared by every service in the process: set once on SIGTERM.
    pub draining: Arc<AtomicBool>,
    pub cache: cache::Cache,
    /// How long to wait for the database at start-up before giving up.
    pub database_wait: Duration,
    /// The process's one verifier of access tokens, made by the first service that asks
    /// (see [`ServiceContext::token_verifier`]); its keys are a readiness check.
    pub verifier: Arc<std::sync::OnceLock<identity::TokenVerifier>>,
}

impl ServiceContext {
    /// A client for another service's public API, with the configured timeout.
    pub fn client_for(&self, upstream: &'static str) -> anyhow::Result<client::ServiceClient> {
        self.client_with_timeout(
            upstream,
            Duration::from_millis(self.settings.http.client_timeout_ms),
        )
    }

    /// A client for `upstream`'s internal API, signing calls as `caller`, with `timeout`.
    pub fn internal_client(
        &self,
        caller: &'static str,
        upstream: &'static str,
        timeout: Duration,
    ) -> anyhow::Result<client::ServiceClient> {
        Ok(self
            .client_with_timeout(upstream, timeout)?
            .with_identity(self.identity(caller)?))
    }

    fn client_with_timeout(
        &self,
        upstream: &'static str,
        timeout: Duration,
    ) -> anyhow::Result<client::ServiceClient> {
        let url =
            self.settings.upstreams.get(upstream).ok_or_else(|| {
                anyhow::anyhow!("WAYFARE_{}_URL is not set", upstream.to_uppercase())
            })?;
        let policy = client::ClientPolicy {
            timeout,
            budget: timeout,
            ..Default::default()
        };
        Ok(client::ServiceClient::new(upstream, url, policy))
    }

    /// This service's identity for internal calls (see [`identity::ServiceIdentity`]).
    pub fn identity(&self, service: &'static str) -> anyhow::Result<identity::ServiceIdentity> {
        use secrecy::ExposeSecret;
        let key = match &self.settings.service_key {
            Some(key) => key.expose_secret().as_bytes().to_vec(),
            None => service_key_from_data_dir(&self.settings.data_dir)?,
        };
        Ok(identity::ServiceIdentity::new(service, &key))
    }

    /// A verifier of access tokens against the JWKS of the module that issues them, shared
    /// by every service of the process (one key set to fetch and keep).
    pub fn token_verifier(&self) -> anyhow::Result<identity::TokenVerifier> {
        if let Some(verifier) = self.verifier.get() {
            return Ok(verifier.clone());
        }
        let verifier = self.new_token_verifier()?;
        Ok(self.verifier.get_or_init(|| verifier).clone())
    }

    /// What readiness runs besides the services' own checks: fetching the token keys, when a
    /// service here verifies tokens (see the `ReadinessCheck` of `TokenVerifier`).
    pub fn process_checks(&self) -> Vec<Arc<dyn health::ReadinessCheck>> {
        self.verifier
            .get()
            .map(|v| Arc::new(v.clone()) as Arc<dyn health::ReadinessCheck>)
            .into_iter()
            .collect()
    }

    fn new_token_verifier(&self) -> anyhow::Result<identity::TokenVerifier> {
        let issuer = self
            .registry
            .token_issuer()
            .ok_or_else(|| anyhow::anyhow!("no module issues access tokens"))?;
        Ok(identity::TokenVerifier::remote(
            self.client_for(issuer.name)?,
            &self.settings.jwt.issuer,
            &self.settings.jwt.audience,
        )
        .with_revocations(self.cache.clone()))
    }

    /// This service's own settings section.
    pub fn section<T: config::Section>(&self) -> T {
        self.settings.section::<T>()
    }

    /// Connects to this service's database and brings its schema up to date.
    pub async fn database(
        &self,
        service: &'static str,
        migrations: &[db::Migration],
    ) -> anyhow::Result<db::Db> {
        let db = db::Db::connect(
            service,
            &self.settings.database_url_for(service),
            self.database_wait,
        )
        .await?;
        db.migrate(migrations).await?;
        Ok(db)
    }
}

/// A service ready to be served: its API router, what its readiness depends on, and its
/// background jobs (started with it, stopped on drain).
pub struct BuiltService {
    pub name: &'static str,
    pub api: axum::Router,
    pub checks: Vec<Arc<dyn health::ReadinessCheck>>,
    pub workers: Vec<worker::Worker>,
}

/// Creates `dir` (and parents) readable by the owner only (0700): it holds keys and
/// databases. An existing directory is left as it is (it may be shared, such as /tmp); the
/// supervisor tightens the configured data directory itself.
pub fn ensure_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    restrict_dir(dir)
}

/// Makes an existing directory owner-only (0700).
pub fn restrict_dir(dir: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates `path` empty if missing, and makes it readable by the owner only (0600). SQLite
/// gives its -wal and -shm files the permissions of the database file.
pub fn ensure_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// The generated service key of an all-in-one installation, created on first use.
fn service_key_from_data_dir(dir: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use rand::RngCore;
    let path = dir.join("service-key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        return Ok(key.trim().as_bytes().to_vec());
    }
    ensure_private_dir(dir)?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // create_new: two services starting at once must end up with the same key.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(key.as_bytes())?;
            Ok(key.into_bytes())
        }
        Err(_) => Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec()),
    }
}
