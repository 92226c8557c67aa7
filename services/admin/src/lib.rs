//! admin: the back office of the shop and the airline. Staff look at sales, fix stock and
//! prices, run the flight schedule, handle refunds and users. Admin owns only its audit log;
//! it changes other services only through their `/internal/admin/**` APIs with its service
//! identity, and records every write (who, what, on what, before and after) before answering.

pub mod client;
pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod store;

use std::sync::Arc;

use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::identity::Role;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, AdminState};

pub const NAME: &str = "admin";

/// admin in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description: "the back office: dashboard, catalog, flights and schedules, orders, bookings, users; an append-only audit trail",
    depends_on: client::MANAGED,
    edge: false,
    issues_tokens: false,
    routes: &["/api/admin"],
    required_role: Some(Role::Admin),
    internal_callers: &[],
    settings: Some(SectionSpec::of::<config::AdminSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &[],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families admin records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "admin_actions_total",
        kind: MetricKind::Counter,
        help: "Changes staff made through the back office, by action (e.g. product.update).",
    },
    MetricHelp {
        name: "admin_audit_entries_total",
        kind: MetricKind::Counter,
        help: "Entries appended to the audit log.",
    },
];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::AdminConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let state = AdminState {
        db: db.clone(),
        services: Arc::new(client::Services::connect(ctx, NAME, config.call_timeout)?),
        verifier: ctx.token_verifier()?,
        config: Arc::new(config),
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: Vec::new(),
    })
}
