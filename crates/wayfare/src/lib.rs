//! The `wayfare` binary's library: the module registry (which services exist, in dependency
//! order) and the supervisor that builds the chosen targets, binds their listeners, and runs
//! them with one coordinated graceful shutdown. `all` is simply every target in one process,
//! talking to each other over HTTP on loopback, exactly as they do across pods.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use wayfare_chassis::config::Settings;
use wayfare_chassis::db::Migration;
use wayfare_chassis::health::Health;
use wayfare_chassis::server::{BoundService, ConnectionLimits, StackSettings};
use wayfare_chassis::{cache::Cache, BuiltService, ServiceContext};

/// A service's schema migrations, by name (the gateway has none).
pub fn migrations_for(service: &str) -> &'static [Migration] {
    match service {
        wayfare_auth::NAME => wayfare_auth::migrations::MIGRATIONS,
        wayfare_catalog::NAME => wayfare_catalog::migrations::MIGRATIONS,
        wayfare_payment::NAME => wayfare_payment::migrations::MIGRATIONS,
        wayfare_order::NAME => wayfare_order::migrations::MIGRATIONS,
        _ => &[],
    }
}

async fn build_service(name: &str, ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    match name {
        wayfare_auth::NAME => wayfare_auth::build(ctx).await,
        wayfare_catalog::NAME => wayfare_catalog::build(ctx).await,
        wayfare_payment::NAME => wayfare_payment::build(ctx).await,
        wayfare_order::NAME => wayfare_order::build(ctx).await,
        wayfare_gateway::NAME => wayfare_gateway::build(ctx).await,
        other => anyhow::bail!("unknown service {other}"),
    }
}

/// The chosen targets, built and bound, not yet serving.
pub struct Platform {
    services: Vec<BoundService>,
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
        let public = if targets.contains(&wayfare_gateway::NAME) {
            wayfare_gateway::NAME
        } else {
            targets[0]
        };
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
            if *name != wayfare_gateway::NAME {
                settings.upstreams.set(name, format!("http://{local}"));
            }
            listeners.push((*name, listener));
        }
        let settings = Arc::new(settings);
        let draining = Arc::new(AtomicBool::new(false));
        let ctx = ServiceContext {
            cache: Cache::from_settings(&settings)?,
            settings: settings.clone(),
            draining: draining.clone(),
            database_wait: options.database_wait,
        };

        let mut built = Vec::new();
        for (name, listener) in listeners {
            let service = build_service(name, &ctx)
                .await
                .with_context(|| format!("starting {name}"))?;
            built.push((service, listener));
        }
        let all_checks: Vec<_> = built.iter().flat_map(|(s, _)| s.checks.clone()).collect();
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_millis(settings.http.header_read_timeout_ms),
            max_connections: settings.http.max_connections,
        };
        let mut services = Vec::new();
        let mut public_addr = None;
        // The operational port's readiness covers every service in the process.
        let health = Health::new(draining.clone()).with_checks(all_checks);
        for (service, listener) in built {
            let is_public = service.name == public;
            let mut stack = StackSettings::from_http(service.name, &settings.http);
            if service.name == wayfare_gateway::NAME {
                // The gateway must outlast its upstream deadline, so a slow upstream is a 504
                // from the proxy rather than the gateway's own timeout.
                stack.request_timeout = stack.request_timeout.max(
                    Duration::from_millis(settings.gateway.upstream_timeout_ms)
                        + Duration::from_secs(2),
                );
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
        let mut running = Vec::new();
        for service in self.services {
            let token = CancellationToken::new();
            let name = service.name;
            let handle = tokio::spawn(service.serve(token.clone(), self.grace));
            running.push((name, token, handle));
        }
        stop.await;
        self.health.set_draining();
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
