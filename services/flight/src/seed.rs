//! Loading data: the demo network on first start (airports, aircraft, and flights every day
//! for `demo_days` from the day of seeding), and `wayfare seed --flights N`, a large synthetic
//! schedule for scale tests (batched multi-row inserts in transactions).

use std::collections::HashMap;

use chrono::{Duration, Utc};
use rand::Rng;
use wayfare_chassis::db::Db;
use wayfare_chassis::ApiError;
use wayfare_flight_api::{Cabin, FlightStatus};

use crate::domain::{self, aircraft, demo};
use crate::store::{self, CabinFares, FlightRow, NewFlight};

const FLIGHTS_PER_STATEMENT: usize = 250;

fn coordinates() -> HashMap<&'static str, (f64, f64, &'static str)> {
    demo::AIRPORTS
        .iter()
        .map(|(code, _, _, _, tz, lat, lon)| (*code, (*lat, *lon, *tz)))
        .collect()
}

fn fares_for(plane: &aircraft::AircraftType, km: f64, jitter: u64) -> Vec<CabinFares> {
    Cabin::ALL
        .into_iter()
        .filter(|c| plane.has_cabin(*c))
        .map(|cabin| CabinFares {
            cabin,
            prices: domain::demo_fares(km, cabin, jitter),
            currency: "USD".into(),
        })
        .collect()
}

fn plane_for(km: f64) -> &'static aircraft::AircraftType {
    if km < 3_500.0 {
        &aircraft::A321
    } else {
        &aircraft::B789
    }
}

fn hash(text: &str) -> u64 {
    text.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

/// The demo schedule: every route both ways, once a day (twice when shorter than 1,500 km),
/// at fixed local departure times at the origin.
pub fn demo_schedule(days: u32) -> Vec<NewFlight> {
    let coords = coordinates();
    let mut flights = Vec::new();
    for (i, (a, b)) in demo::ROUTES.iter().enumerate() {
        for (d, (from, to)) in [(a, b), (b, a)].into_iter().enumerate() {
            let (lat1, lon1, tz_name) = coords[from];
            let (lat2, lon2, _) = coords[to];
            let km = domain::distance_km((lat1, lon1), (lat2, lon2));
            let minutes = domain::block_minutes(km);
            let plane = plane_for(km);
            let tz = domain::zone(tz_name);
            let today = domain::today_at(tz);
            // Short flights in the morning and afternoon, long ones in the late afternoon, as
            // hub schedules do, so that many connections fit the window.
            let slots: &[(u32, u32, u64)] = if km < 1_500.0 {
                &[(7, 0, 3), (12, 30, 4)]
            } else {
                &[(17, 0, 4)]
            };
            for (s, (hour, minute, spread)) in slots.iter().enumerate() {
                let number = format!("WF {}", 100 + i * 4 + d * 2 + s);
                let shift = (hash(&number) % spread) as u32;
                for day in 0..days {
                    let date = today + Duration::days(i64::from(day));
                    let departure = domain::local_to_ms(tz, date, (hour + shift) % 24, *minute);
                    let jitter = hash(&format!("{number}{date}"));
                    flights.push(NewFlight {
                        row: FlightRow {
                            id: uuid::Uuid::now_v7().to_string(),
                            number: number.clone(),
                            origin: (*from).to_string(),
                            destination: (*to).to_string(),
                            departure_at: departure,
                            arrival_at: departure + minutes * 60_000,
                            aircraft: plane.code.to_string(),
                            status: FlightStatus::Scheduled,
                            delay_minutes: 0,
                            cancel_reason: None,
                        },
                        fares: fares_for(plane, km, jitter),
                    });
                }
            }
        }
    }
    flights
}

async fn insert_all(
    db: &Db,
    flights: &[NewFlight],
    progress: impl Fn(u64),
) -> Result<u64, ApiError> {
    let mut done = 0u64;
    for chunk in flights.chunks(FLIGHTS_PER_STATEMENT * 8) {
        let (_guard, mut tx) = db.begin_write().await?;
        for statement in chunk.chunks(FLIGHTS_PER_STATEMENT) {
            store::insert_flights_batch(&mut tx, statement).await?;
        }
        tx.commit().await?;
        done += chunk.len() as u64;
        progress(done);
    }
    Ok(done)
}

/// Seeds airports, aircraft, and the demo schedule if there are no flights. Returns how many
/// flights were added.
pub async fn seed_demo(db: &Db, days: u32) -> Result<u64, ApiError> {
    store::ensure_reference_data(db).await?;
    if store::count_flights(db).await? > 0 {
        return Ok(0);
    }
    let flights = demo_schedule(days);
    let added = insert_all(db, &flights, |_| {}).await?;
    tracing::info!(
        flights = added,
        routes = demo::ROUTES.len() * 2,
        days,
        "demo flights seeded"
    );
    Ok(added)
}

/// Inserts `count` synthetic flights between random demo airports over the next 60 days,
/// calling `progress` with the number inserted so far.
pub async fn seed_synthetic(db: &Db, count: u64, progress: impl Fn(u64)) -> Result<u64, ApiError> {
    store::ensure_reference_data(db).await?;
    let coords: Vec<(&str, (f64, f64, &str))> = {
        let mut v: Vec<_> = coordinates().into_iter().collect();
        v.sort_by_key(|(code, _)| *code);
        v
    };
    let run: u64 = rand::thread_rng().gen();
    let now = Utc::now().timestamp_millis();
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(FLIGHTS_PER_STATEMENT as u64 * 8);
        let batch: Vec<NewFlight> = (0..n)
            .map(|k| {
                let serial = done + k;
                let mut rng = rand::thread_rng();
                let a = rng.gen_range(0..coords.len());
                let mut b = rng.gen_range(0..coords.len() - 1);
                if b >= a {
                    b += 1;
                }
                let (from, (lat1, lon1, _)) = coords[a];
                let (to, (lat2, lon2, _)) = coords[b];
                let km = domain::distance_km((lat1, lon1), (lat2, lon2));
                let plane = plane_for(km);
                let departure = now + 3_600_000 + rng.gen_range(0..60 * 24 * 60) * 60_000;
                let prefix = (run + serial / 10_000) % 676;
                let designator = format!(
                    "{}{}",
                    (b'A' + (prefix / 26) as u8) as char,
                    (b'A' + (prefix % 26) as u8) as char
                );
                NewFlight {
                    row: FlightRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        number: format!("{designator} {}", serial % 10_000),
                        origin: from.to_string(),
                        destination: to.to_string(),
                        departure_at: departure,
                        arrival_at: departure + domain::block_minutes(km) * 60_000,
                        aircraft: plane.code.to_string(),
                        status: FlightStatus::Scheduled,
                        delay_minutes: 0,
                        cancel_reason: None,
                    },
                    fares: fares_for(plane, km, rng.gen()),
                }
            })
            .collect();
        insert_all(db, &batch, |_| {}).await?;
        done += n;
        progress(done);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_schedule_flies_every_route_both_ways_every_day() {
        let flights = demo_schedule(2);
        let numbers: std::collections::HashSet<&str> =
            flights.iter().map(|f| f.row.number.as_str()).collect();
        assert!(numbers.len() >= demo::ROUTES.len() * 2);
        assert_eq!(flights.len(), numbers.len() * 2);
        assert!(demo::AIRPORTS.len() >= 25);
        for f in &flights {
            assert!(f.row.arrival_at > f.row.departure_at);
            assert!(!f.fares.is_empty());
        }
        // Jeju to Los Angeles needs a connection.
        assert!(!flights
            .iter()
            .any(|f| f.row.origin == "CJU" && f.row.destination == "LAX"));
    }
}
