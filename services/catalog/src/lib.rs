//! catalog: categories, products and stock. Public reads (search, filter, keyset pagination),
//! admin writes, cached product reads. Owns the `categories` and `products` tables.

pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod seed;
pub mod store;

use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, CatalogState};

pub const NAME: &str = "catalog";

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::CatalogConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    if config.seed_demo_data {
        seed::seed_demo(&db)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the demo catalog: {e}"))?;
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
    tokio::spawn(routes::internal::sweep_expired_holds(
        state.clone(),
        config.sweep_interval,
    ));
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
    })
}
