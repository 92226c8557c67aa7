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
        name: "catalog_search_total",
        kind: MetricKind::Counter,
        help: "Searches, by how the page was found (search_index, full_text or ordered_scan in the database).",
    },
    MetricHelp {
        name: "catalog_search_index_products",
        kind: MetricKind::Gauge,
        help: "Products in this replica's search index after its last build.",
    },
    MetricHelp {
        name: "catalog_reservations_expired_total",
        kind: MetricKind::Counter,
        help: "Stock reservations returned to stock by the sweeper because they expired unpaid.",
    },
];

/// How often the product_changes outbox is pruned.
const OUTBOX_PRUNE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

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
    let search = store::search_index::SearchIndex::open(db.clone())?;
    let state = CatalogState {
        db: db.clone(),
        search: search.clone(),
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
    // Each replica keeps its own search index: built in the background at start, then
    // following the product_changes outbox.
    let follower = Worker::periodic(
        "catalog-search-index",
        config.search_follow_interval,
        move || {
            let search = search.clone();
            async move { Ok(search.follow().await?) }
        },
    );
    // Any replica may prune the outbox (a range delete of old rows).
    let prune_db = db.clone();
    let pruner = Worker::periodic("catalog-outbox-pruner", OUTBOX_PRUNE_INTERVAL, move || {
        let db = prune_db.clone();
        async move { Ok(store::search_index::prune_changes(&db).await?) }
    });
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: vec![sweeper, follower, pruner],
    })
}
