//! payment: charges and refunds with Stripe-like idempotency, behind a provider trait with a
//! built-in simulated provider (see `domain::simulated` for the test payment methods). Owns the
//! `payments` and `refunds` tables.

pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod store;

use std::sync::Arc;

use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::identity::InternalGuard;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::worker::Worker;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, PaymentState};

pub const NAME: &str = "payment";

/// payment in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description: "charges and refunds with idempotency keys, behind a provider trait (simulated provider built in)",
    depends_on: &[],
    edge: false,
    issues_tokens: false,
    routes: &["/api/payments"],
    required_role: None,
    internal_callers: routes::internal::ALLOWED_CALLERS,
    settings: Some(SectionSpec::of::<config::PaymentSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &[],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families payment records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "payment_charges_total",
        kind: MetricKind::Counter,
        help: "Charges that reached the payment provider, by outcome (succeeded, declined, failed).",
    },
    MetricHelp {
        name: "payment_idempotent_replays_total",
        kind: MetricKind::Counter,
        help: "Charge requests answered from an earlier request with the same idempotency key.",
    },
    MetricHelp {
        name: "payment_refunds_total",
        kind: MetricKind::Counter,
        help: "Refunds made.",
    },
    MetricHelp {
        name: "payment_charged_minor_units_total",
        kind: MetricKind::Counter,
        help: "Money charged by succeeded charges, in the currency's minor units, by currency (revenue).",
    },
    MetricHelp {
        name: "payment_refunded_minor_units_total",
        kind: MetricKind::Counter,
        help: "Money refunded, in the currency's minor units, by currency.",
    },
];

/// The HTTP provider when `provider_url` is set, else the built-in simulated one.
fn provider(
    ctx: &ServiceContext,
    config: &config::PaymentConfig,
) -> anyhow::Result<Arc<dyn domain::PaymentProvider>> {
    let settings: config::PaymentSettings = ctx.settings.section();
    let Some(url) = settings.provider_url.filter(|u| !u.is_empty()) else {
        return Ok(Arc::new(domain::simulated::SimulatedProvider::default()));
    };
    tracing::info!(provider_url = %url, "payment provider over HTTP");
    let provider = domain::http_provider::HttpProvider::new(&url, config.provider_timeout)?;
    Ok(Arc::new(provider))
}

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::PaymentConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let state = PaymentState {
        db: db.clone(),
        provider: provider(ctx, &config)?,
        verifier: ctx.token_verifier()?,
        internal: InternalGuard {
            identity: ctx.identity(NAME)?,
            allowed_callers: routes::internal::ALLOWED_CALLERS,
        },
        config: Arc::new(config.clone()),
    };
    // One replica settles stale payments at a time (it calls the provider for each).
    let (sweep_db, provider, timeout) =
        (db.clone(), state.provider.clone(), config.provider_timeout);
    let sweeper = Worker::periodic(
        "payment-settler",
        config
            .provider_timeout
            .max(std::time::Duration::from_secs(1)),
        move || {
            let (db, provider) = (sweep_db.clone(), provider.clone());
            async move { domain::jobs::settle_stale_payments(&db, &provider, timeout).await }
        },
    )
    .singleton(db.clone());
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: vec![sweeper],
    })
}
