//! The `wayfare` binary's library: the module registry (which services exist, in dependency
//! order) and the supervisor that builds the chosen targets, binds their listeners, and runs
//! them with one coordinated graceful shutdown. `all` is simply every target in one process,
//! talking to each other over HTTP on loopback, exactly as they do across pods.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use wayfare_chassis::config::{ConfigError, Overrides, Settings};
use wayfare_chassis::health::Health;
use wayfare_chassis::module::{Module, Registry};
use wayfare_chassis::server::{BoundService, ConnectionLimits, StackSettings};
use wayfare_chassis::{cache::Cache, ServiceContext};

/// Every service of the platform, in dependency order (a service only calls services listed
/// before it; the edge comes last). Adding a service is one line here.
pub static MODULES: &[&Module] = &[
    &wayfare_auth::MODULE,
    &wayfare_catalog::MODULE,
    &wayfare_payment::MODULE,
    &wayfare_flight::MODULE,
    &wayfare_booking::MODULE,
    &wayfare_order::MODULE,
    &wayfare_admin::MODULE,
    &wayfare_gateway::MODULE,
];

/// The registry of this binary, checked.
pub fn registry() -> Registry {
    Registry::new(MODULES)
}

/// Loads and validates the whole configuration for this binary's services, cross-checks
/// included (upstreams, service key, fault points), before anything is bound.
pub fn load_settings(
    config_file: Option<&Path>,
    env: &BTreeMap<String, String>,
    overrides: &Overrides,
) -> Result<Settings, ConfigError> {
    registry().load_settings(config_file, env, overrides)
}

/// [`load_settings`] from the process environment.
pub fn load_settings_from_env(
    config_file: Option<&Path>,
    overrides: &Overrides,
) -> Result<Settings, ConfigError> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    load_settings(config_file, &env, overrides)
}

/// The registry as the README's services table (`wayfare modules` prints it; a test keeps the
/// README's copy equal).
pub fn modules_table() -> String {
    let mut out = String::from(
        "| service | what it does | public routes | calls | `/internal` callers | settings |\n|---|---|---|---|---|---|\n",
    );
    let code = |items: &[&str]| {
        if items.is_empty() {
            "—".to_string()
        } else {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for m in MODULES {
        let routes: Vec<&str> = if m.edge {
            vec!["every route above"]
        } else {
            m.routes.to_vec()
        };
        let settings = m
            .settings
            .as_ref()
            .map_or("—".to_string(), |s| format!("`[{}]`", s.key));
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            m.name,
            m.description,
            if m.edge {
                routes.join(", ")
            } else {
                code(&routes)
            },
            code(m.depends_on),
            code(m.internal_callers),
            settings
        ));
    }
    out
}

/// A service's schema migrations, by name.
pub fn migrations_for(service: &str) -> &'static [wayfare_chassis::db::Migration] {
    registry().get(service).map_or(&[], |m| m.migrations)
}

/// The chosen targets, built and bound, not yet serving.
pub struct Platform {
    services: Vec<BoundService>,
    workers: Vec<wayfare_chassis::worker::Worker>,
    public_addr: SocketAddr,
    ops_addr: SocketAddr,
    health: Health,
    drain_delay: Duration,
    grace: Duration,
}

/// Options that tests and the CLI set beyond the settings.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub database_wait: Duration,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            database_wait: Duration::from_secs(30),
        }
    }
}

impl Platform {
    /// Binds every listener first (so in-process services know each other's ports), then
    /// builds the services in dependency order.
    pub async fn build(settings: Settings, options: BuildOptions) -> anyhow::Result<Platform> {
        let registry = registry();
        let targets = settings.targets()?;
        wayfare_chassis::metrics::install();
        // The data directory holds the signing key, the service key and embedded databases:
        // owner-only. New ones are created so; one left by an older version is tightened.
        if settings.data_dir.is_dir() {
            if let Err(err) = wayfare_chassis::restrict_dir(&settings.data_dir) {
                tracing::warn!(error = %err, dir = %settings.data_dir.display(), "cannot make the data directory owner-only");
            }
        }
        // The public service (the gateway when present) takes the configured address; the
        // others listen on loopback ports of their own.
        let edge = targets
            .iter()
            .copied()
            .find(|name| registry.get(name).is_some_and(|m| m.edge));
        let public = edge.unwrap_or(targets[0]);
        let mut listeners = Vec::new();
        let mut settings = settings;
        let ops_listener = TcpListener::bind(settings.ops_listen)
            .await
            .with_context(|| {
                format!("operational port: cannot listen on {}", settings.ops_listen)
            })?;
        for name in &targets {
            let addr: SocketAddr = if *name == public {
                settings.listen
            } else {
                "127.0.0.1:0".parse()?
            };
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("{name}: cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            if Some(*name) != edge {
                settings
                    .upstreams
                    .insert(name.to_string(), format!("http://{local}"));
            }
            listeners.push((*name, listener));
        }
        let settings = Arc::new(settings);
        let draining = Arc::new(AtomicBool::new(false));
        let ctx = ServiceContext {
            registry,
            cache: Cache::from_settings(&settings)?,
            settings: settings.clone(),
            draining: draining.clone(),
            database_wait: options.database_wait,
            verifier: Default::default(),
        };

        for module in registry.modules {
            wayfare_chassis::metrics::describe(module.metrics);
        }
        let mut built = Vec::new();
        for (name, listener) in listeners {
            let module = registry
                .get(name)
                .context("targets come from the registry")?;
            let service = (module.build)(&ctx)
                .await
                .with_context(|| format!("starting {name}"))?;
            built.push((service, listener));
        }
        let mut all_checks: Vec<_> = built.iter().flat_map(|(s, _)| s.checks.clone()).collect();
        all_checks.extend(ctx.process_checks());
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_millis(settings.http.header_read_timeout_ms),
            max_connections: settings.http.max_connections,
        };
        let mut services = Vec::new();
        let mut workers = Vec::new();
        let mut public_addr = None;
        // The operational port's readiness covers every service in the process.
        let health = Health::new(draining.clone()).with_checks(all_checks);
        for (mut service, listener) in built {
            workers.append(&mut service.workers);
            let is_public = service.name == public;
            let mut stack = StackSettings::from_http(service.name, &settings.http);
            stack.dependencies = service
                .checks
                .iter()
                .filter_map(|check| check.availability())
                .collect();
            if Some(service.name) == edge {
                // The edge must outlast its upstream budget, so a slow upstream is a 504 from
                // the proxy rather than the edge's own timeout.
                let upstream_ms = settings
                    .sources
                    .extract_inner::<u64>("gateway.upstream_timeout_ms")
                    .unwrap_or(settings.http.request_timeout_ms);
                stack.request_timeout = stack
                    .request_timeout
                    .max(Duration::from_millis(upstream_ms) + Duration::from_secs(2));
            }
            let router = wayfare_chassis::server::service_router(service.api, stack);
            if is_public {
                public_addr = Some(listener.local_addr()?);
            }
            services.push(BoundService {
                name: service.name,
                listener,
                router,
                limits,
            });
        }
        let ops_addr = ops_listener.local_addr()?;
        // Serving the operational port is stopped last (after every service), so probes and
        // scrapes see the drain through to the end.
        services.insert(
            0,
            BoundService {
                name: "ops",
                listener: ops_listener,
                router: wayfare_chassis::server::ops_router(health.clone()),
                limits,
            },
        );
        Ok(Platform {
            services,
            workers,
            public_addr: public_addr.context("no public service")?,
            ops_addr,
            health,
            drain_delay: Duration::from_secs(settings.shutdown.drain_delay_seconds),
            grace: Duration::from_secs(settings.shutdown.grace_seconds),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.public_addr
    }

    /// The operational port (`/healthz`, `/readyz`, `/metrics`).
    pub fn ops_addr(&self) -> SocketAddr {
        self.ops_addr
    }

    /// Addresses of every service in the process, by name.
    pub fn service_addrs(&self) -> Vec<(&'static str, SocketAddr)> {
        self.services
            .iter()
            .filter(|s| s.name != "ops")
            .map(|s| (s.name, s.local_addr()))
            .collect()
    }

    /// Serves until `stop` resolves, then: report not-ready, keep serving for the drain
    /// delay, and stop the services from the public one inwards (so requests the gateway is
    /// still forwarding find their upstreams alive), each finishing in-flight requests.
    pub async fn run_until_stopped(self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let workers_stop = CancellationToken::new();
        let workers: Vec<_> = self
            .workers
            .into_iter()
            .map(|worker| tokio::spawn(worker.run(workers_stop.clone())))
            .collect();
        let mut running = Vec::new();
        for service in self.services {
            let token = CancellationToken::new();
            let name = service.name;
            let handle = tokio::spawn(service.serve(token.clone(), self.grace));
            running.push((name, token, handle));
        }
        stop.await;
        self.health.set_draining();
        // Background jobs stop first: a drained replica starts no new reconciliation.
        workers_stop.cancel();
        for worker in workers {
            let _ = worker.await;
        }
        tracing::info!(
            drain_delay_ms = self.drain_delay.as_millis() as u64,
            "draining: reporting not ready"
        );
        tokio::time::sleep(self.drain_delay).await;
        // Dependency order is auth, catalog, …, gateway: stop in reverse.
        for (name, token, handle) in running.into_iter().rev() {
            token.cancel();
            match handle.await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    tracing::error!(service = name, error = %err, "service failed while stopping")
                }
                Err(err) => tracing::error!(service = name, error = %err, "service task panicked"),
            }
        }
        tracing::info!("all services stopped");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use wayfare_chassis::config::Overrides;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        load_settings(None, &env(pairs), &Overrides::default())
    }

    #[test]
    fn the_registry_is_consistent() {
        let registry = registry();
        assert_eq!(registry.modules.last().map(|m| m.name), Some("gateway"));
        assert_eq!(registry.token_issuer().map(|m| m.name), Some("auth"));
        let routes = registry.routes();
        assert!(routes.contains(&("/api/orders", "order")));
    }

    #[test]
    fn defaults_are_valid_and_embedded() {
        let s = load(&[]).unwrap();
        let names: Vec<_> = MODULES.iter().map(|m| m.name).collect();
        assert_eq!(s.targets().unwrap(), names);
        assert!(s.is_embedded("catalog"));
        assert!(s.database_url_for("catalog").starts_with("sqlite://"));
    }

    #[test]
    fn environment_overrides_file_and_flags_override_environment() {
        let dir = temp_dir();
        let file = dir.join("w.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[http]\nbody_limit_bytes = 10\n[order]\npayment_timeout_ms = 500\n",
        )
        .unwrap();
        let e = env(&[("WAYFARE_LISTEN", "127.0.0.1:9001")]);
        let s = load_settings(Some(&file), &e, &Overrides::default()).unwrap();
        assert_eq!(s.listen.port(), 9001);
        assert_eq!(s.http.body_limit_bytes, 10);
        let order: wayfare_order::config::OrderSettings = s.section();
        assert_eq!(order.payment_timeout_ms, 500);
        let flags = Overrides {
            listen: Some("127.0.0.1:9002".into()),
            ..Default::default()
        };
        let s = load_settings(Some(&file), &e, &flags).unwrap();
        assert_eq!(s.listen.port(), 9002);
    }

    #[test]
    fn invalid_settings_are_named() {
        for (name, value) in [
            ("WAYFARE_LISTEN", "nope"),
            ("WAYFARE_TARGET", "nope"),
            ("WAYFARE_DATABASE_URL", "postgres://x"),
            ("WAYFARE_PAYMENT_TIMEOUT_MS", "soon"),
            ("WAYFARE_RATE_LIMIT_ENABLED", "maybe"),
            ("WAYFARE_CATALOG_URL", "ftp://catalog"),
            ("WAYFARE_FAULT_INJECT", "somewhere"),
            ("WAYFARE_SERVICE_KEY", "short"),
        ] {
            let err = load(&[(name, value)]).unwrap_err();
            assert_eq!(err.setting, name, "{err}");
        }
    }

    #[test]
    fn an_unknown_setting_in_the_file_is_refused() {
        let dir = temp_dir();
        let file = dir.join("w.toml");
        std::fs::write(&file, "[order]\npayment_timeout = 5\n").unwrap();
        let err = load_settings(Some(&file), &env(&[]), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("payment_timeout"), "{err}");
        std::fs::write(&file, "[teleporter]\nspeed = 5\n").unwrap();
        let err = load_settings(Some(&file), &env(&[]), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("teleporter"), "{err}");
    }

    #[test]
    fn per_service_database_url_wins() {
        let s = load(&[
            ("WAYFARE_DATABASE_URL", "mysql://a/shared"),
            ("WAYFARE_CATALOG_DATABASE_URL", "mysql://a/catalog"),
        ])
        .unwrap();
        assert_eq!(s.database_url_for("catalog"), "mysql://a/catalog");
        assert_eq!(s.database_url_for("auth"), "mysql://a/shared");
        assert!(!s.should_seed_demo_data("auth"));
    }

    #[test]
    fn call_budgets_must_fit_inside_the_callers_deadline() {
        for (name, value) in [
            ("WAYFARE_PAYMENT_TIMEOUT_MS", "10000"),
            ("WAYFARE_CLIENT_TIMEOUT_MS", "12000"),
            ("WAYFARE_PROVIDER_TIMEOUT_MS", "10000"),
            ("WAYFARE_UPSTREAM_TIMEOUT_MS", "0"),
        ] {
            let err = load(&[(name, value)]).unwrap_err();
            assert_eq!(err.setting, name, "{err}");
        }
    }

    #[test]
    fn a_split_deployment_needs_its_upstreams_and_a_shared_service_key() {
        let err = load(&[("WAYFARE_TARGET", "order")]).unwrap_err();
        assert_eq!(err.setting, "WAYFARE_CATALOG_URL", "{err}");
        let urls = [
            ("WAYFARE_TARGET", "order"),
            ("WAYFARE_CATALOG_URL", "http://catalog:8080"),
            ("WAYFARE_PAYMENT_URL", "http://payment:8080"),
            ("WAYFARE_AUTH_URL", "http://auth:8080"),
        ];
        let err = load(&urls).unwrap_err();
        assert_eq!(err.setting, "WAYFARE_SERVICE_KEY", "{err}");
        let mut with_key = urls.to_vec();
        with_key.push(("WAYFARE_SERVICE_KEY", "0123456789abcdef0123456789abcdef"));
        load(&with_key).unwrap();
        // The edge alone needs nothing: unknown upstreams are 404s.
        load(&[("WAYFARE_TARGET", "gateway")]).unwrap();
    }

    /// The commented sample in config/ holds every setting of every section, with its
    /// default, and nothing else: it cannot go stale.
    #[test]
    fn the_sample_config_matches_the_settings_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/wayfare.sample.toml");
        let settings = load_settings(Some(&path), &env(&[]), &Overrides::default()).unwrap();
        assert_eq!(settings.listen.port(), 8080);
        let sample: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for module in MODULES {
            let Some(section) = &module.settings else {
                continue;
            };
            let defaults = section.default_table();
            let written = sample
                .get(section.key)
                .and_then(|v| v.as_table())
                .unwrap_or_else(|| panic!("[{}] missing from the sample", section.key));
            for (key, value) in &defaults {
                if let Some(nested) = value.as_table() {
                    let inner = written
                        .get(key)
                        .and_then(|v| v.as_table())
                        .unwrap_or_else(|| {
                            panic!("[{}.{key}] missing from the sample", section.key)
                        });
                    assert_eq!(inner, nested, "[{}.{key}] defaults", section.key);
                } else {
                    assert_eq!(written.get(key), Some(value), "{}.{key}", section.key);
                }
            }
        }
    }

    #[test]
    fn the_readme_lists_the_registry() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
                .unwrap();
        assert!(
            readme.contains(&modules_table()),
            "README.md's services table is stale: paste the output of `wayfare modules`"
        );
    }

    fn temp_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wayfare-cfg-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn uuid_like() -> String {
        format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        )
    }
}
