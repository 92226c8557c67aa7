//! booking: flight bookings (PNR), passengers and e-tickets. Holding seats through flight,
//! paying through payment, ticketing, "manage my booking", seat changes, cancellation with
//! refunds by fare family, and the workers that settle pending payments, expire unpaid holds
//! and follow flight cancellations. Owns `bookings`, `passengers`, `tickets`,
//! `booking_flights` and `booking_watch`.

pub mod config;
pub mod domain;
pub mod migrations;
pub mod routes;
pub mod store;

use std::sync::Arc;

use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::worker::Worker;
use wayfare_chassis::{BuiltService, ServiceContext};
use wayfare_flight_api::FlightClient;
use wayfare_payment_api::PaymentClient;

pub use routes::{router, BookingState};

pub const NAME: &str = "booking";

/// booking in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description: "flight bookings (PNR), passengers and e-tickets: hold, pay, ticket, change seats, cancel and refund",
    depends_on: &["flight", "payment"],
    edge: false,
    issues_tokens: false,
    routes: &["/api/bookings"],
    required_role: None,
    internal_callers: routes::admin::ALLOWED_CALLERS,
    settings: Some(SectionSpec::of::<config::BookingSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &["after_charge"],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families booking records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "bookings_total",
        kind: MetricKind::Counter,
        help: "Booking state changes, by status (held, confirmed, cancelled, expired, failed).",
    },
    MetricHelp {
        name: "bookings_payments_failed_total",
        kind: MetricKind::Counter,
        help: "Booking payments that failed or were declined.",
    },
    MetricHelp {
        name: "bookings_reconciled_total",
        kind: MetricKind::Counter,
        help: "Bookings the reconciler settled after an interrupted confirmation.",
    },
];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::BookingConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let saga = Arc::new(domain::saga::Saga {
        db: db.clone(),
        flights: Arc::new(FlightClient::new(
            ctx.internal_client(NAME, "flight", config.call_timeout)?,
            ctx.client_for("flight")?,
        )),
        payment: Arc::new(PaymentClient::new(ctx.internal_client(
            NAME,
            "payment",
            config.call_timeout,
        )?)),
        hold: config.hold,
        fault: config.fault_inject.clone(),
    });
    // Each job runs on one replica at a time: the holder of its lease in booking's database.
    let (reconciling, after) = (saga.clone(), config.reconcile_after);
    let reconciler = Worker::periodic("booking-reconciler", config.reconcile_every, move || {
        let saga = reconciling.clone();
        async move {
            saga.reconcile_once(after)
                .await
                .map_err(anyhow::Error::from)
        }
    })
    .singleton(db.clone());
    let expiring = saga.clone();
    let expiry = Worker::periodic("booking-expiry", config.expiry_every, move || {
        let saga = expiring.clone();
        async move { saga.expire_overdue().await.map_err(anyhow::Error::from) }
    })
    .singleton(db.clone());
    let watching = saga.clone();
    let watcher = Worker::periodic(
        "booking-flight-cancellations",
        config.watch_every,
        move || {
            let saga = watching.clone();
            async move {
                saga.follow_cancelled_flights()
                    .await
                    .map_err(anyhow::Error::from)
            }
        },
    )
    .singleton(db.clone());
    let state = BookingState {
        db: db.clone(),
        saga,
        cache: ctx.cache.clone(),
        verifier: ctx.token_verifier()?,
        duplicate_wait: config.call_timeout * 4 + std::time::Duration::from_secs(2),
        lookup_per_minute: config.lookup_per_minute,
        internal: wayfare_chassis::identity::InternalGuard {
            identity: ctx.identity(NAME)?,
            allowed_callers: routes::admin::ALLOWED_CALLERS,
        },
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: vec![reconciler, expiry, watcher],
    })
}
