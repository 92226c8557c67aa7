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
use wayfare_chassis::{BuiltService, ServiceContext};
use wayfare_payment_api::PaymentClient;

pub use routes::{router, OrderState};

pub const NAME: &str = "order";

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
    tokio::spawn(
        saga.clone()
            .reconcile_forever(config.reconcile_every, config.reconcile_after),
    );
    let state = OrderState {
        db: db.clone(),
        saga,
        carts,
        verifier: ctx.token_verifier()?,
        duplicate_wait: config.call_timeout * 4 + std::time::Duration::from_secs(2),
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
    })
}
