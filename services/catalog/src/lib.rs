//! catalog: categories, products and stock. Public reads (search, filter, keyset pagination),
//! admin writes, cached product reads. Owns the `categories` and `products` tables.

pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod seed;
pub mod store;

use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::worker::Worker;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, CatalogState};

pub const NAME: &str = "catalog";

/// catalog in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description: "categories, products and stock; search; stock reservations for checkout",
    depends_on: &[],
    edge: false,
    issues_tokens: false,
    routes: &["/api/catalog"],
    required_role: None,
    internal_callers: routes::internal::ALLOWED_CALLERS,
    settings: Some(SectionSpec::of::<config::CatalogSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &[],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families catalog records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "catalog_product_cache_total",
        kind: MetricKind::Counter,
        help: "Product reads, by result of the cache lookup (hit or miss).",
    },
    MetricHelp {
        name: "catalog_reservations_total",
        kind: MetricKind::Counter,
        help: "Stock reservation requests, by result (reserved or out_of_stock).",
    },
    MetricHelp {
        name: "catalog_reservations_expired_total",
        kind: MetricKind::Counter,
        help: "Stock reservations returned to stock by the sweeper because they expired unpaid.",
    },
];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::CatalogConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    if config.seed_demo_data {
        // Replicas starting together seed once: the first under the lock seeds, the others
        // find the products there.
        db.exclusively("seed", || async {
            seed::seed_demo(&db)
                .await
                .map_err(|e| anyhow::anyhow!("seeding the demo catalog: {e}"))
        })
        .await?;
    }
    let internal = wayfare_chassis::identity::InternalGuard {
        identity: ctx.identity(NAME)?,
        allowed_callers: routes::internal::ALLOWED_CALLERS,
    };
    let state = CatalogState {
        db: db.clone(),
        cache: ctx.cache.clone(),
        verifier: ctx.token_verifier()?,
        internal,
    };
    // Every replica may sweep: releasing an expired hold is a conditional update.
    let (sweep_db, sweep_cache) = (db.clone(), state.cache.clone());
    let sweeper = Worker::periodic("catalog-hold-sweeper", config.sweep_interval, move || {
        let (db, cache) = (sweep_db.clone(), sweep_cache.clone());
        async move { domain::jobs::return_expired_holds(&db, &cache).await }
    });
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: vec![sweeper],
    })
}
