//! flight's tables: airports, aircraft types and their seats, flights, fares and (in `holds`)
//! seat holds. Plain SQL that runs unchanged on SQLite and MySQL/MariaDB (`?` placeholders,
//! integers for times).

pub mod admin;
pub mod holds;

use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::Row;
use wayfare_chassis::db::{now_ms, placeholders, Db};
use wayfare_chassis::ApiError;
use wayfare_flight_api::{Cabin, FlightStatus};

use crate::domain::aircraft::AIRCRAFT;
use crate::domain::{demo, Airport};

/// A flight as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightRow {
    pub id: String,
    pub number: String,
    pub origin: String,
    pub destination: String,
    pub departure_at: i64,
    pub arrival_at: i64,
    pub aircraft: String,
    pub status: FlightStatus,
    pub delay_minutes: i64,
    pub cancel_reason: Option<String>,
}

/// A cabin's fares: (basic, standard, flex) and the currency.
#[derive(Debug, Clone, PartialEq)]
pub struct CabinFares {
    pub cabin: Cabin,
    pub prices: (i64, i64, i64),
    pub currency: String,
}

/// A flight to insert, with its fares.
#[derive(Debug, Clone)]
pub struct NewFlight {
    pub row: FlightRow,
    pub fares: Vec<CabinFares>,
}

const FLIGHT_COLUMNS: &str = "id, number, origin, destination, departure_at, arrival_at, aircraft, status, delay_minutes, cancel_reason";

fn flight_from_row(row: &AnyRow) -> Result<FlightRow, sqlx::Error> {
    Ok(FlightRow {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        origin: row.try_get("origin")?,
        destination: row.try_get("destination")?,
        departure_at: row.try_get("departure_at")?,
        arrival_at: row.try_get("arrival_at")?,
        aircraft: row.try_get("aircraft")?,
        status: FlightStatus::parse(&row.try_get::<String, _>("status")?),
        delay_minutes: row.try_get("delay_minutes")?,
        cancel_reason: row.try_get("cancel_reason")?,
    })
}

/// Airports and aircraft (with their seats) the service needs; added once.
pub async fn ensure_reference_data(db: &Db) -> Result<(), ApiError> {
    let airports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM airports")
        .fetch_one(&db.pool)
        .await?;
    let aircraft: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM aircraft_types")
        .fetch_one(&db.pool)
        .await?;
    if airports > 0 && aircraft > 0 {
        return Ok(());
    }
    let (_guard, mut tx) = db.begin_write().await?;
    if airports == 0 {
        let sql = format!(
            "INSERT INTO airports (code, name, city, country, time_zone, latitude, longitude) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?, ?)"; demo::AIRPORTS.len()].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (code, name, city, country, tz, lat, lon) in demo::AIRPORTS {
            q = q
                .bind(*code)
                .bind(*name)
                .bind(*city)
                .bind(*country)
                .bind(*tz)
                .bind(*lat)
                .bind(*lon);
        }
        q.execute(&mut *tx).await?;
    }
    if aircraft == 0 {
        for plane in AIRCRAFT {
            let seats = plane.seats();
            sqlx::query("INSERT INTO aircraft_types (code, name, seats) VALUES (?, ?, ?)")
                .bind(plane.code)
                .bind(plane.name)
                .bind(seats.len() as i64)
                .execute(&mut *tx)
                .await?;
            for chunk in seats.chunks(200) {
                let sql = format!(
                    "INSERT INTO aircraft_seats (aircraft, seat, cabin, seat_row, letter, position, exit_row, extra_legroom, surcharge) VALUES {}",
                    vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut q = sqlx::query(&sql);
                for s in chunk {
                    let position = serde_json::to_value(s.position)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    q = q
                        .bind(plane.code)
                        .bind(s.designator.clone())
                        .bind(s.cabin.as_str())
                        .bind(i64::from(s.row))
                        .bind(s.letter.to_string())
                        .bind(position)
                        .bind(i64::from(s.exit_row))
                        .bind(i64::from(s.extra_legroom))
                        .bind(s.surcharge);
                }
                q.execute(&mut *tx).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Every airport with its coordinates.
pub async fn airports(db: &Db) -> Result<Vec<(Airport, f64, f64)>, ApiError> {
    let rows = sqlx::query("SELECT code, name, city, country, time_zone, latitude, longitude FROM airports ORDER BY code")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Airport {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    city: r.try_get("city")?,
                    country: r.try_get("country")?,
                    time_zone: r.try_get("time_zone")?,
                },
                r.try_get("latitude")?,
                r.try_get("longitude")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn count_flights(db: &Db) -> Result<i64, ApiError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM flights")
        .fetch_one(&db.pool)
        .await?)
}

/// Inserts flights and their fares with multi-row statements (inside the caller's
/// transaction).
pub async fn insert_flights_batch(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    flights: &[NewFlight],
) -> Result<(), sqlx::Error> {
    if flights.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let sql = format!(
        "INSERT INTO flights (id, number, origin, destination, departure_at, arrival_at, aircraft, status, delay_minutes, cancel_reason, cancelled_at, created_at, updated_at) VALUES {}",
        vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)"; flights.len()].join(", ")
    );
    let mut q = sqlx::query(&sql);
    for f in flights {
        let r = &f.row;
        q = q
            .bind(r.id.clone())
            .bind(r.number.clone())
            .bind(r.origin.clone())
            .bind(r.destination.clone())
            .bind(r.departure_at)
            .bind(r.arrival_at)
            .bind(r.aircraft.clone())
            .bind(r.status.as_str())
            .bind(r.delay_minutes)
            .bind(now)
            .bind(now);
    }
    q.execute(&mut **tx).await?;
    let fares: Vec<(&str, &CabinFares)> = flights
        .iter()
        .flat_map(|f| f.fares.iter().map(move |c| (f.row.id.as_str(), c)))
        .collect();
    for chunk in fares.chunks(400) {
        let sql = format!(
            "INSERT INTO fares (flight_id, cabin, basic, standard, flex, currency) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, c) in chunk {
            q = q
                .bind(id.to_string())
                .bind(c.cabin.as_str())
                .bind(c.prices.0)
                .bind(c.prices.1)
                .bind(c.prices.2)
                .bind(c.currency.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn flight(db: &Db, id: &str) -> Result<Option<FlightRow>, ApiError> {
    let row = sqlx::query(&format!(
        "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(flight_from_row).transpose()?)
}

/// The flights with these ids, by id.
pub async fn flights(db: &Db, ids: &[String]) -> Result<HashMap<String, FlightRow>, ApiError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id IN ({})",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for row in q.fetch_all(&db.pool).await? {
            let f = flight_from_row(&row)?;
            found.insert(f.id.clone(), f);
        }
    }
    Ok(found)
}

/// Fares of these flights (one cabin, or all when `cabin` is `None`), by flight id.
pub async fn fares(
    db: &Db,
    ids: &[String],
    cabin: Option<Cabin>,
) -> Result<HashMap<String, Vec<CabinFares>>, ApiError> {
    let mut found: HashMap<String, Vec<CabinFares>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = format!(
            "SELECT flight_id, cabin, basic, standard, flex, currency FROM fares WHERE flight_id IN ({})",
            placeholders(chunk.len())
        );
        if cabin.is_some() {
            sql.push_str(" AND cabin = ?");
        }
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        if let Some(cabin) = cabin {
            q = q.bind(cabin.as_str());
        }
        for row in q.fetch_all(&db.pool).await? {
            let Some(c) = Cabin::parse(&row.try_get::<String, _>("cabin")?) else {
                continue;
            };
            found
                .entry(row.try_get("flight_id")?)
                .or_default()
                .push(CabinFares {
                    cabin: c,
                    prices: (
                        row.try_get("basic")?,
                        row.try_get("standard")?,
                        row.try_get("flex")?,
                    ),
                    currency: row.try_get("currency")?,
                });
        }
    }
    for list in found.values_mut() {
        list.sort_by_key(|c| c.cabin);
    }
    Ok(found)
}

/// Seats held or sold per flight in one cabin.
pub async fn taken_counts(
    db: &Db,
    ids: &[String],
    cabin: Cabin,
) -> Result<HashMap<String, i64>, ApiError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT flight_id, COUNT(*) AS n FROM seat_holds WHERE flight_id IN ({}) AND cabin = ? GROUP BY flight_id",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for row in q.bind(cabin.as_str()).fetch_all(&db.pool).await? {
            found.insert(row.try_get("flight_id")?, row.try_get("n")?);
        }
    }
    Ok(found)
}

/// The seats of a flight that are held or sold.
pub async fn taken_seats(db: &Db, flight_id: &str) -> Result<HashSet<String>, ApiError> {
    let seats: Vec<String> = sqlx::query_scalar("SELECT seat FROM seat_holds WHERE flight_id = ?")
        .bind(flight_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(seats.into_iter().collect())
}

/// Ids of flights not cancelled from `from` to `to` departing in `[start, end)`.
pub async fn direct(
    db: &Db,
    from: &str,
    to: &str,
    start: i64,
    end: i64,
) -> Result<Vec<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM flights WHERE origin = ? AND departure_at >= ? AND departure_at < ? AND destination = ? AND status <> 'cancelled' ORDER BY departure_at LIMIT 500",
    )
    .bind(from)
    .bind(start)
    .bind(end)
    .bind(to)
    .fetch_all(&db.pool)
    .await?)
}

/// Pairs of flights not cancelled: the first from `from` departing in `[start, end)`, the
/// second on to `to` from the airport where the first lands, leaving within the connection
/// window after it lands.
pub async fn connections(
    db: &Db,
    from: &str,
    to: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(String, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT a.id AS first_id, b.id AS second_id FROM flights a JOIN flights b ON b.origin = a.destination \
         WHERE a.origin = ? AND a.departure_at >= ? AND a.departure_at < ? AND a.status <> 'cancelled' AND a.destination <> ? \
         AND b.departure_at >= a.arrival_at + ? AND b.departure_at <= a.arrival_at + ? \
         AND b.destination = ? AND b.status <> 'cancelled' ORDER BY a.departure_at, b.departure_at LIMIT 500",
    )
    .bind(from)
    .bind(start)
    .bind(end)
    .bind(to)
    .bind(crate::domain::MIN_CONNECTION_MS)
    .bind(crate::domain::MAX_CONNECTION_MS)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("first_id")?, r.try_get("second_id")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Airports matching `q` by code, city or name (case-insensitive), codes first.
pub fn matches_airport(airport: &Airport, q: &str) -> Option<u8> {
    let q = q.to_lowercase();
    if airport.code.to_lowercase() == q {
        Some(0)
    } else if airport.city.to_lowercase().starts_with(&q) {
        Some(1)
    } else if airport.name.to_lowercase().contains(&q) || airport.city.to_lowercase().contains(&q) {
        Some(2)
    } else {
        None
    }
}

pub async fn insert_flight(db: &Db, flight: &NewFlight) -> Result<bool, ApiError> {
    let (_guard, mut tx) = db.begin_write().await?;
    match insert_flights_batch(&mut tx, std::slice::from_ref(flight)).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(true)
        }
        Err(err) if wayfare_chassis::error::is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

pub async fn set_fares(db: &Db, flight_id: &str, fares: &CabinFares) -> Result<(), ApiError> {
    let (_guard, mut tx) = db.begin_write().await?;
    sqlx::query("DELETE FROM fares WHERE flight_id = ? AND cabin = ?")
        .bind(flight_id)
        .bind(fares.cabin.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO fares (flight_id, cabin, basic, standard, flex, currency) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(flight_id)
        .bind(fares.cabin.as_str())
        .bind(fares.prices.0)
        .bind(fares.prices.1)
        .bind(fares.prices.2)
        .bind(fares.currency.clone())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a flight that is not cancelled by `minutes` (both ends) and marks it delayed.
pub async fn delay(db: &Db, flight_id: &str, minutes: i64) -> Result<bool, ApiError> {
    let shift = minutes * 60_000;
    let done = sqlx::query(
        "UPDATE flights SET status = 'delayed', delay_minutes = delay_minutes + ?, departure_at = departure_at + ?, arrival_at = arrival_at + ?, updated_at = ? WHERE id = ? AND status <> 'cancelled'",
    )
    .bind(minutes)
    .bind(shift)
    .bind(shift)
    .bind(now_ms())
    .bind(flight_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels a flight (once: a cancelled flight stays as it was cancelled).
pub async fn cancel(db: &Db, flight_id: &str, reason: &str) -> Result<bool, ApiError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE flights SET status = 'cancelled', cancel_reason = ?, cancelled_at = ?, updated_at = ? WHERE id = ? AND status <> 'cancelled'",
    )
    .bind(reason)
    .bind(now)
    .bind(now)
    .bind(flight_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn cancelled_since(
    db: &Db,
    since_ms: i64,
) -> Result<Vec<wayfare_flight_api::CancelledFlight>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, cancel_reason, cancelled_at FROM flights WHERE cancelled_at >= ? ORDER BY cancelled_at, id LIMIT 1000",
    )
    .bind(since_ms)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(wayfare_flight_api::CancelledFlight {
                flight_id: r.try_get("id")?,
                reason: r
                    .try_get::<Option<String>, _>("cancel_reason")?
                    .unwrap_or_default(),
                cancelled_at: r.try_get("cancelled_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
