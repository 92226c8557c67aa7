//! order: carts (in the cache), checkout as a saga over catalog and payment, the owner's
//! orders, cancellation, and the reconciler that settles orders a crash or timeout left
//! pending. Owns the `orders` and `order_lines` tables.

pub mod client;
pub mod config;
pub mod domain;
pub mod error;
#[cfg(test)]
mod fakes;
pub mod migrations;
pub mod routes;
pub mod store;

use std::sync::Arc;

use wayfare_catalog_api::CatalogClient;
use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::worker::Worker;
use wayfare_chassis::{BuiltService, ServiceContext};
use wayfare_payment_api::PaymentClient;

pub use routes::{router, OrderState};

pub const NAME: &str = "order";

/// order in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description: "carts, the checkout saga, orders, cancellation, the reconciler",
    depends_on: &["catalog", "payment"],
    edge: false,
    issues_tokens: false,
    routes: &["/api/cart", "/api/orders"],
    required_role: None,
    internal_callers: routes::admin::ALLOWED_CALLERS,
    settings: Some(SectionSpec::of::<config::OrderSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &["after_reserve", "after_charge"],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families order records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "orders_total",
        kind: MetricKind::Counter,
        help: "Order state changes, by status (created, confirmed, failed, cancelled) and, for failures, reason.",
    },
    MetricHelp {
        name: "orders_reconciled_total",
        kind: MetricKind::Counter,
        help: "Pending orders the reconciler settled (confirmed or failed) after their checkout was interrupted.",
    },
];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::OrderConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let carts = domain::cart::CartStore::new(ctx.cache.clone(), config.cart_ttl);
    let saga = Arc::new(domain::saga::Saga {
        db: db.clone(),
        catalog: Arc::new(CatalogClient::new(
            ctx.internal_client(NAME, "catalog", config.call_timeout)?,
            ctx.client_for("catalog")?,
        )),
        payment: Arc::new(PaymentClient::new(ctx.internal_client(
            NAME,
            "payment",
            config.call_timeout,
        )?)),
        carts: carts.clone(),
        reservation_ttl_seconds: config.reservation_ttl_seconds,
        fault: config.fault_inject.clone(),
    });
    // One replica reconciles at a time: the holder of the lease in order's database.
    let (reconciling, after) = (saga.clone(), config.reconcile_after);
    let reconciler = Worker::periodic("order-reconciler", config.reconcile_every, move || {
        let saga = reconciling.clone();
        async move {
            saga.reconcile_once(after)
                .await
                .map_err(anyhow::Error::from)
        }
    })
    .singleton(db.clone());
    let state = OrderState {
        db: db.clone(),
        saga,
        carts,
        verifier: ctx.token_verifier()?,
        duplicate_wait: config.call_timeout * 4 + std::time::Duration::from_secs(2),
        internal: wayfare_chassis::identity::InternalGuard {
            identity: ctx.identity(NAME)?,
            allowed_callers: routes::admin::ALLOWED_CALLERS,
        },
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: vec![reconciler],
    })
}
