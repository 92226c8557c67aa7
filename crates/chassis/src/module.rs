//! The service registry's vocabulary, in the style of Grafana Loki's `modules.go`: every
//! service crate exports one [`Module`] value that says everything the platform needs to know
//! about it (its name, whom it calls, its settings, its migrations, how to build it, what it
//! exposes publicly and who may call its internal API). The binary lists the modules once; the
//! supervisor, the gateway's route table, the `--target` list, the `WAYFARE_<SERVICE>_URL` and
//! `WAYFARE_<SERVICE>_DATABASE_URL` settings and the documentation tables are all derived from
//! that list. The chassis itself names no service.

use futures::future::BoxFuture;

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{ConfigError, Overrides, SectionSpec, ServiceSettings, Settings};
use crate::db::Migration;
use crate::{BuiltService, ServiceContext};

/// Everything the platform knows about one service.
pub struct Module {
    /// The service's name: its target, its `WAYFARE_<NAME>_URL`, its database's name.
    pub name: &'static str,
    /// One line for the documentation tables.
    pub description: &'static str,
    /// The services it calls (their URLs must be known when they run elsewhere).
    pub depends_on: &'static [&'static str],
    /// The public entry point (the gateway): built and started last, stopped first, and given
    /// a route to every module's public paths.
    pub edge: bool,
    /// Whether it issues access tokens and serves their keys (JWKS); verifiers fetch keys from
    /// the one module that does.
    pub issues_tokens: bool,
    /// Public path prefixes the gateway routes to it (whole segments), e.g. `/api/orders`.
    pub routes: &'static [&'static str],
    /// The role every one of its public routes needs, if any. The gateway refuses a request
    /// without it (401 without a token, 403 with another role) before forwarding, and the
    /// service checks again itself.
    pub required_role: Option<crate::identity::Role>,
    /// Services allowed to call its `/internal/**` API (checked on every call).
    pub internal_callers: &'static [&'static str],
    /// Its own settings section, if it has one.
    pub settings: Option<SectionSpec>,
    /// Its schema migrations.
    pub migrations: &'static [Migration],
    /// Its own metric families and their `# HELP` text.
    pub metrics: &'static [crate::metrics::MetricHelp],
    /// Test-only crash points it honours (`WAYFARE_FAULT_INJECT`).
    pub fault_points: &'static [&'static str],
    /// Connects, migrates and returns its router, readiness checks and workers.
    pub build: for<'a> fn(&'a ServiceContext) -> BoxFuture<'a, anyhow::Result<BuiltService>>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name).finish()
    }
}

/// The modules of one binary, in dependency order.
#[derive(Clone, Copy)]
pub struct Registry {
    pub modules: &'static [&'static Module],
}

impl Registry {
    /// The registry, checked: unique names, known dependencies, no cycle, edge last. Panics
    /// on a mistake in the list itself (a programming error caught by the first test).
    pub fn new(modules: &'static [&'static Module]) -> Self {
        let registry = Self { modules };
        for (i, module) in modules.iter().enumerate() {
            assert!(
                !modules[..i].iter().any(|m| m.name == module.name),
                "module {} listed twice",
                module.name
            );
            for dep in module.depends_on {
                let at = modules.iter().position(|m| m.name == *dep);
                assert!(
                    at.is_some_and(|at| at < i),
                    "module {} depends on {dep}, which must be listed before it",
                    module.name
                );
            }
            assert!(
                !module.edge || i == modules.len() - 1,
                "the edge module ({}) comes last",
                module.name
            );
        }
        registry
    }

    /// Loads and validates the whole configuration of these services, every section and the
    /// cross-checks included ([`Registry::check`]), before anything is bound.
    pub fn load_settings(
        &self,
        config_file: Option<&Path>,
        env: &BTreeMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Settings, ConfigError> {
        let inputs: Vec<ServiceSettings<'_>> = self
            .modules
            .iter()
            .map(|m| ServiceSettings {
                name: m.name,
                section: m.settings.as_ref(),
            })
            .collect();
        let settings = Settings::load_from(&inputs, config_file, env, overrides)?;
        self.check(&settings)?;
        Ok(settings)
    }

    pub fn get(&self, name: &str) -> Option<&'static Module> {
        self.modules.iter().copied().find(|m| m.name == name)
    }

    /// The role each module's public routes need, for the modules that set one.
    pub fn required_roles(&self) -> Vec<(&'static str, crate::identity::Role)> {
        self.modules
            .iter()
            .filter_map(|m| m.required_role.map(|role| (m.name, role)))
            .collect()
    }

    /// Every public path prefix with the module that serves it.
    pub fn routes(&self) -> Vec<(&'static str, &'static str)> {
        self.modules
            .iter()
            .flat_map(|m| m.routes.iter().map(move |r| (*r, m.name)))
            .collect()
    }

    /// The module that issues access tokens, if the registry has one.
    pub fn token_issuer(&self) -> Option<&'static Module> {
        self.modules.iter().copied().find(|m| m.issues_tokens)
    }

    /// Cross-checks between the chosen targets and the settings, before any port is bound:
    /// every dependency of a target that runs elsewhere has a URL, a fault point is one some
    /// module honours, and internal calls between processes have a shared service key.
    pub fn check(&self, settings: &Settings) -> Result<(), ConfigError> {
        let targets = settings.targets()?;
        let local = |name: &str| targets.contains(&name);
        for name in &targets {
            let module = self.get(name).expect("targets come from the registry");
            let mut needs: Vec<&str> = module.depends_on.to_vec();
            if !module.edge && !module.routes.is_empty() {
                // A service with public routes verifies tokens against the issuer's keys.
                if let Some(issuer) = self.token_issuer().filter(|i| i.name != module.name) {
                    needs.push(issuer.name);
                }
            }
            for dep in needs {
                if !local(dep) && !settings.upstreams.contains_key(dep) {
                    return Err(ConfigError::new(
                        format!("WAYFARE_{}_URL", dep.to_uppercase()),
                        format!(
                            "{name} calls {dep}, which does not run in this process: set its URL"
                        ),
                    ));
                }
            }
        }
        if let Some(point) = &settings.fault_inject {
            let known: Vec<&str> = self
                .modules
                .iter()
                .flat_map(|m| m.fault_points.iter().copied())
                .collect();
            if !known.contains(&point.as_str()) {
                return Err(ConfigError::new(
                    "WAYFARE_FAULT_INJECT",
                    format!("must be one of {}", known.join(", ")),
                ));
            }
        }
        if settings.service_key.is_none() {
            // The generated key in the data directory only works for services of one process.
            for name in &targets {
                let module = self.get(name).expect("targets come from the registry");
                let remote_caller = module
                    .internal_callers
                    .iter()
                    .any(|c| self.get(c).is_some() && !local(c));
                let remote_callee = module.depends_on.iter().any(|dep| {
                    !local(dep)
                        && self
                            .get(dep)
                            .is_some_and(|d| d.internal_callers.contains(name))
                });
                if (remote_caller || remote_callee) && settings.target != "all" {
                    return Err(ConfigError::new(
                        "WAYFARE_SERVICE_KEY",
                        format!(
                            "{name} makes or answers /internal calls across processes: set the same WAYFARE_SERVICE_KEY for every service"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
