//! flight: airports, aircraft seat layouts, flights, fares, seat maps and seat holds. Public
//! reads (airports, search with one-stop connections, the fare calendar, flights, seat maps);
//! internal seat holds for booking (a seat is held or sold at most once by a primary key) and
//! schedule operations for admin. Owns `airports`, `aircraft_types`, `aircraft_seats`,
//! `flights`, `fares`, `seat_hold_sets` and `seat_holds`.

pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod seed;
pub mod store;

use std::sync::Arc;

use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::worker::Worker;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, FlightState};

pub const NAME: &str = "flight";

/// flight in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description:
        "airports, seat layouts, flights and fares; search, seat maps; seat holds for bookings",
    depends_on: &[],
    edge: false,
    issues_tokens: false,
    routes: &["/api/flights", "/api/airports"],
    required_role: None,
    internal_callers: routes::internal::ALLOWED_CALLERS,
    settings: Some(SectionSpec::of::<config::FlightSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &[],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families flight records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "flight_seat_holds_total",
        kind: MetricKind::Counter,
        help: "Seat hold requests, by result (held, conflict, released, committed).",
    },
    MetricHelp {
        name: "flight_seat_holds_expired_total",
        kind: MetricKind::Counter,
        help: "Seat holds returned by the sweeper because they expired unpaid.",
    },
    MetricHelp {
        name: "flight_cancellations_total",
        kind: MetricKind::Counter,
        help: "Flights cancelled by an admin.",
    },
    MetricHelp {
        name: "flight_searches_total",
        kind: MetricKind::Counter,
        help: "Flight searches answered.",
    },
    MetricHelp {
        name: "flight_seats_offered",
        kind: MetricKind::Gauge,
        help: "Seats on flights departing in the next 48 hours (not cancelled).",
    },
    MetricHelp {
        name: "flight_seats_sold",
        kind: MetricKind::Gauge,
        help: "Seats sold on flights departing in the next 48 hours (not cancelled).",
    },
    MetricHelp {
        name: "flight_search_seconds",
        kind: MetricKind::Histogram,
        help: "Time to answer a flight search, seconds.",
    },
];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let config = config::FlightConfig::from_settings(&ctx.settings);
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    store::ensure_reference_data(&db)
        .await
        .map_err(|e| anyhow::anyhow!("loading airports and aircraft: {e}"))?;
    if config.seed_demo_data {
        seed::seed_demo(&db, config.demo_days)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the demo flights: {e}"))?;
    }
    let state = FlightState {
        db: db.clone(),
        airports: load_airports(&db).await?,
        internal: wayfare_chassis::identity::InternalGuard {
            identity: ctx.identity(NAME)?,
            allowed_callers: routes::internal::ALLOWED_CALLERS,
        },
    };
    // One replica sweeps at a time (releasing is conditional, so two would be harmless, but
    // one avoids them racing over the same rows).
    let sweep_db = db.clone();
    let sweeper = Worker::periodic("flight-hold-sweeper", config.sweep_interval, move || {
        let db = sweep_db.clone();
        async move { domain::jobs::return_expired_holds(&db).await }
    })
    .singleton(db.clone());
    let load_db = db.clone();
    let load_factor = Worker::periodic(
        "flight-load-factor",
        std::time::Duration::from_secs(30),
        move || {
            let db = load_db.clone();
            async move { domain::jobs::publish_load_factor(&db).await }
        },
    );
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: vec![sweeper, load_factor],
    })
}

/// Every airport by code (airports change only when data is seeded).
pub async fn load_airports(db: &wayfare_chassis::db::Db) -> anyhow::Result<routes::AirportIndex> {
    let airports = store::airports(db)
        .await
        .map_err(|e| anyhow::anyhow!("loading airports: {e}"))?;
    Ok(Arc::new(
        airports
            .into_iter()
            .map(|(a, lat, lon)| (a.code.clone(), (a, lat, lon)))
            .collect(),
    ))
}
