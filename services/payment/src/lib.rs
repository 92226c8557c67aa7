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

use wayfare_chassis::identity::InternalGuard;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, PaymentState};

pub const NAME: &str = "payment";

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::PaymentConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let state = PaymentState {
        db: db.clone(),
        provider: Arc::new(domain::simulated::SimulatedProvider::default()),
        verifier: ctx.token_verifier()?,
        internal: InternalGuard {
            identity: ctx.identity(NAME)?,
            allowed_callers: routes::internal::ALLOWED_CALLERS,
        },
        config: Arc::new(config.clone()),
    };
    tokio::spawn(routes::internal::settle_stale_payments(
        state.clone(),
        config
            .provider_timeout
            .max(std::time::Duration::from_secs(1)),
    ));
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
    })
}
