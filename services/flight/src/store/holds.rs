//! Seat holds: the flight side of the booking saga. One `seat_holds` row per (flight, seat),
//! so the primary key — not an application check — keeps a seat held or sold at most once:
//! of two requests for one seat, the database lets exactly one insert. A booking's seats on
//! every segment are inserted in one transaction (all or none), under one `seat_hold_sets`
//! row keyed by the booking id, which makes holding idempotent per booking.

use std::collections::HashSet;

use rand::Rng;
use sqlx::Row;
use wayfare_chassis::db::{is_retryable, now_ms, rfc3339, Db, Dialect};
use wayfare_chassis::error::is_unique_violation;
use wayfare_chassis::ApiError;
use wayfare_flight_api::{
    Cabin, ChangeSeatsRequest, FareFamily, FlightStatus, HeldSeat, HoldRequest, HoldStatus,
    HoldView,
};

use crate::domain::aircraft::{self, surcharge_for};

/// What a hold or change came to.
#[derive(Debug)]
pub enum HoldOutcome {
    Held(HoldView),
    /// This seat is held or sold already (nothing was held).
    SeatUnavailable {
        flight_id: String,
        seat: String,
    },
    /// Not enough free seats in the cabin.
    SoldOut {
        flight_id: String,
    },
    /// The booking's hold was released earlier.
    Released,
}

fn status_of(value: &str) -> HoldStatus {
    match value {
        "held" => HoldStatus::Held,
        "sold" => HoldStatus::Sold,
        _ => HoldStatus::Released,
    }
}

pub async fn find(db: &Db, booking_id: &str) -> Result<Option<HoldView>, ApiError> {
    let Some(set) =
        sqlx::query("SELECT status, expires_at FROM seat_hold_sets WHERE booking_id = ?")
            .bind(booking_id)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(None);
    };
    let status = status_of(&set.try_get::<String, _>("status")?);
    let rows = sqlx::query("SELECT flight_id, seat, cabin, surcharge FROM seat_holds WHERE booking_id = ? ORDER BY flight_id, seat")
        .bind(booking_id)
        .fetch_all(&db.pool)
        .await?;
    let seats = rows
        .iter()
        .map(|r| {
            Ok(HeldSeat {
                flight_id: r.try_get("flight_id")?,
                seat: r.try_get("seat")?,
                cabin: Cabin::parse(&r.try_get::<String, _>("cabin")?).unwrap_or(Cabin::Economy),
                surcharge: r.try_get("surcharge")?,
                status,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some(HoldView {
        booking_id: booking_id.to_string(),
        status,
        expires_at: rfc3339(set.try_get("expires_at")?),
        seats,
    }))
}

/// A checked hold request: every flight exists, is not cancelled or gone, flies the cabin,
/// and every named seat exists in that cabin.
pub struct CheckedSegment {
    pub flight_id: String,
    pub aircraft: &'static aircraft::AircraftType,
    pub cabin: Cabin,
    pub seats: Vec<aircraft::Seat>,
    pub auto: usize,
}

pub async fn check(db: &Db, request: &HoldRequest) -> Result<Vec<CheckedSegment>, ApiError> {
    if request.booking_id.is_empty() || request.booking_id.len() > 64 {
        return Err(ApiError::validation(
            "booking_id",
            "must be 1 to 64 characters",
        ));
    }
    if request.segments.is_empty() || request.segments.len() > 4 {
        return Err(ApiError::validation("segments", "must hold 1 to 4 flights"));
    }
    let ids: Vec<String> = request
        .segments
        .iter()
        .map(|s| s.flight_id.clone())
        .collect();
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        return Err(ApiError::validation("segments", "a flight appears twice"));
    }
    let flights = super::flights(db, &ids).await?;
    let now = now_ms();
    let mut checked = Vec::with_capacity(request.segments.len());
    for segment in &request.segments {
        let flight = flights.get(&segment.flight_id).ok_or_else(|| {
            ApiError::validation("flight_id", format!("no flight {}", segment.flight_id))
        })?;
        if flight.status == FlightStatus::Cancelled {
            return Err(ApiError::conflict(
                "flight_cancelled",
                format!("flight {} is cancelled", flight.number),
            ));
        }
        if flight.departure_at <= now {
            return Err(ApiError::conflict(
                "flight_departed",
                format!("flight {} has departed", flight.number),
            ));
        }
        let plane = aircraft::aircraft(&flight.aircraft).ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("unknown aircraft {}", flight.aircraft))
        })?;
        if !plane.has_cabin(segment.cabin) {
            return Err(ApiError::validation(
                "cabin",
                format!(
                    "flight {} has no {} cabin",
                    flight.number,
                    segment.cabin.as_str()
                ),
            ));
        }
        if segment.count == 0 || segment.count > 9 || segment.seats.len() > segment.count as usize {
            return Err(ApiError::validation(
                "count",
                "must be 1 to 9 and at least the number of seats named",
            ));
        }
        let mut seats = Vec::with_capacity(segment.seats.len());
        for name in &segment.seats {
            let seat = plane
                .seat(name)
                .filter(|s| s.cabin == segment.cabin)
                .ok_or_else(|| {
                    ApiError::validation(
                        "seat",
                        format!(
                            "flight {} has no seat {name} in {}",
                            flight.number,
                            segment.cabin.as_str()
                        ),
                    )
                })?;
            if seats
                .iter()
                .any(|s: &aircraft::Seat| s.designator == seat.designator)
            {
                return Err(ApiError::validation(
                    "seat",
                    format!("seat {name} is named twice"),
                ));
            }
            seats.push(seat);
        }
        checked.push(CheckedSegment {
            flight_id: segment.flight_id.clone(),
            aircraft: plane,
            cabin: segment.cabin,
            auto: segment.count as usize - seats.len(),
            seats,
        });
    }
    Ok(checked)
}

const ATTEMPTS: usize = 40;

/// Holds every seat of every segment for the booking, or none. Idempotent per booking id.
#[tracing::instrument(level = "debug", skip(db, request, segments), fields(booking_id = %request.booking_id))]
pub async fn hold(
    db: &Db,
    request: &HoldRequest,
    segments: &[CheckedSegment],
) -> Result<HoldOutcome, ApiError> {
    let ttl_ms = (request.ttl_seconds.clamp(1, 24 * 3600) * 1000) as i64;
    for attempt in 1..=ATTEMPTS {
        if let Some(existing) = find(db, &request.booking_id).await? {
            return Ok(match existing.status {
                HoldStatus::Released => HoldOutcome::Released,
                _ => HoldOutcome::Held(existing),
            });
        }
        match try_hold(db, request, segments, ttl_ms).await {
            Ok(Attempt::Done(outcome)) => return Ok(outcome),
            // Lost a race: for the booking id (read what the winner did) or for an
            // auto-assigned seat (pick again).
            Ok(Attempt::Again) => continue,
            Err(err) if attempt < ATTEMPTS && is_retryable(&err) => {
                let pause = rand::thread_rng().gen_range(1..20);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Unavailable("seat hold contention; retry".into()))
}

enum Attempt {
    Done(HoldOutcome),
    Again,
}

async fn try_hold(
    db: &Db,
    request: &HoldRequest,
    segments: &[CheckedSegment],
    ttl_ms: i64,
) -> Result<Attempt, sqlx::Error> {
    let now = now_ms();
    let (_guard, mut tx) = db.begin_write().await?;
    let set = sqlx::query("INSERT INTO seat_hold_sets (booking_id, status, fare_family, expires_at, created_at, updated_at) VALUES (?, 'held', ?, ?, ?, ?)")
        .bind(&request.booking_id)
        .bind(request.fare_family.as_str())
        .bind(now + ttl_ms)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await;
    match set {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            return Ok(Attempt::Again);
        }
        Err(err) => return Err(err),
    }
    lock_flights(&mut tx, db, segments.iter().map(|s| s.flight_id.as_str())).await?;
    for segment in segments {
        for seat in &segment.seats {
            let surcharge = surcharge_for(seat, request.fare_family);
            if !insert_seat(
                &mut tx,
                &segment.flight_id,
                seat,
                &request.booking_id,
                surcharge,
                now,
            )
            .await?
            {
                tx.rollback().await?;
                return Ok(Attempt::Done(HoldOutcome::SeatUnavailable {
                    flight_id: segment.flight_id.clone(),
                    seat: seat.designator.clone(),
                }));
            }
        }
        if segment.auto > 0 {
            // A locking read on MySQL: the latest committed seats, not the snapshot.
            let sql = match db.dialect {
                Dialect::MySql => "SELECT seat FROM seat_holds WHERE flight_id = ? FOR UPDATE",
                Dialect::Sqlite => "SELECT seat FROM seat_holds WHERE flight_id = ?",
            };
            let mut taken: HashSet<String> = sqlx::query_scalar(sql)
                .bind(&segment.flight_id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
            taken.extend(segment.seats.iter().map(|s| s.designator.clone()));
            let offset = rand::thread_rng().gen_range(0..1000);
            let Some(picked) = aircraft::auto_assign(
                segment.aircraft,
                segment.cabin,
                &taken,
                segment.auto,
                offset,
            ) else {
                tx.rollback().await?;
                return Ok(Attempt::Done(HoldOutcome::SoldOut {
                    flight_id: segment.flight_id.clone(),
                }));
            };
            for seat in &picked {
                if !insert_seat(
                    &mut tx,
                    &segment.flight_id,
                    seat,
                    &request.booking_id,
                    0,
                    now,
                )
                .await?
                {
                    // Someone took it since we looked: choose again.
                    tx.rollback().await?;
                    return Ok(Attempt::Again);
                }
            }
        }
    }
    tx.commit().await?;
    // Held: the next round reads the hold back, exactly as a duplicate request would.
    Ok(Attempt::Again)
}

/// On MySQL, queues the transactions that hold seats on one flight behind its row (in id
/// order, so multi-segment holds cannot deadlock), so that auto-assignment reads the seats
/// taken by the previous holder instead of racing it and retrying. The primary key of
/// `seat_holds` still decides; this only spares the losers their retries. (SQLite runs one
/// writer at a time already.)
async fn lock_flights<'a>(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    db: &Db,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), sqlx::Error> {
    if db.dialect != Dialect::MySql {
        return Ok(());
    }
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        sqlx::query("SELECT id FROM flights WHERE id = ? FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    }
    Ok(())
}

/// False when the seat is held or sold already (the primary key refused it).
async fn insert_seat(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    flight_id: &str,
    seat: &aircraft::Seat,
    booking_id: &str,
    surcharge: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    match sqlx::query("INSERT INTO seat_holds (flight_id, seat, cabin, booking_id, surcharge, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(flight_id)
        .bind(&seat.designator)
        .bind(seat.cabin.as_str())
        .bind(booking_id)
        .bind(surcharge)
        .bind(now)
        .execute(&mut **tx)
        .await
    {
        Ok(_) => Ok(true),
        Err(err) if is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

#[derive(Debug)]
pub enum CommitOutcome {
    Sold(HoldView),
    Released,
    NotFound,
}

/// Held → sold. Repeating it is harmless.
pub async fn commit(db: &Db, booking_id: &str) -> Result<CommitOutcome, ApiError> {
    sqlx::query("UPDATE seat_hold_sets SET status = 'sold', updated_at = ? WHERE booking_id = ? AND status = 'held'")
        .bind(now_ms())
        .bind(booking_id)
        .execute(&db.pool)
        .await?;
    Ok(match find(db, booking_id).await? {
        None => CommitOutcome::NotFound,
        Some(view) if view.status == HoldStatus::Sold => CommitOutcome::Sold(view),
        Some(_) => CommitOutcome::Released,
    })
}

/// Gives the booking's seats back (only a held set past its expiry when `only_expired`);
/// how many seats were returned. Each set is released at most once.
pub async fn release(db: &Db, booking_id: &str, only_expired: bool) -> Result<u64, ApiError> {
    for attempt in 1..=ATTEMPTS {
        match try_release(db, booking_id, only_expired).await {
            Ok(n) => return Ok(n),
            Err(err) if attempt < ATTEMPTS && is_retryable(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    unreachable!("the last attempt returns")
}

async fn try_release(db: &Db, booking_id: &str, only_expired: bool) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let (_guard, mut tx) = db.begin_write().await?;
    let flipped = if only_expired {
        sqlx::query("UPDATE seat_hold_sets SET status = 'released', updated_at = ? WHERE booking_id = ? AND status = 'held' AND expires_at <= ?")
            .bind(now)
            .bind(booking_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
    } else {
        sqlx::query("UPDATE seat_hold_sets SET status = 'released', updated_at = ? WHERE booking_id = ? AND status IN ('held', 'sold')")
            .bind(now)
            .bind(booking_id)
            .execute(&mut *tx)
            .await?
    };
    let mut returned = 0;
    if flipped.rows_affected() == 1 {
        returned = sqlx::query("DELETE FROM seat_holds WHERE booking_id = ?")
            .bind(booking_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(returned)
}

/// Booking ids whose held seats are past their expiry (the sweeper's work list).
pub async fn expired(db: &Db, limit: i64) -> Result<Vec<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT booking_id FROM seat_hold_sets WHERE status = 'held' AND expires_at <= ? LIMIT ?",
    )
    .bind(now_ms())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Moves seats of a booking on one flight: every new seat is inserted (taken) before any old
/// one is deleted, all in one transaction.
pub async fn change(
    db: &Db,
    booking_id: &str,
    request: &ChangeSeatsRequest,
    plane: &'static aircraft::AircraftType,
) -> Result<HoldOutcome, ApiError> {
    if request.moves.is_empty() || request.moves.len() > 9 {
        return Err(ApiError::validation("moves", "must hold 1 to 9 seat moves"));
    }
    for attempt in 1..=ATTEMPTS {
        match try_change(db, booking_id, request, plane).await {
            Ok(outcome) => return outcome,
            Err(err) if attempt < ATTEMPTS && is_retryable(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    unreachable!("the last attempt returns")
}

async fn try_change(
    db: &Db,
    booking_id: &str,
    request: &ChangeSeatsRequest,
    plane: &'static aircraft::AircraftType,
) -> Result<Result<HoldOutcome, ApiError>, sqlx::Error> {
    let now = now_ms();
    let (_guard, mut tx) = db.begin_write().await?;
    lock_flights(&mut tx, db, std::iter::once(request.flight_id.as_str())).await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM seat_hold_sets WHERE booking_id = ?")
            .bind(booking_id)
            .fetch_optional(&mut *tx)
            .await?;
    match status.as_deref().map(status_of) {
        None => {
            return Ok(Err(ApiError::NotFound(format!(
                "no seat hold for booking {booking_id}"
            ))))
        }
        Some(HoldStatus::Released) => return Ok(Ok(HoldOutcome::Released)),
        Some(_) => {}
    }
    let mine: Vec<(String, String)> =
        sqlx::query("SELECT seat, cabin FROM seat_holds WHERE booking_id = ? AND flight_id = ?")
            .bind(booking_id)
            .bind(&request.flight_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("seat")?, r.try_get("cabin")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let mut new_seats = Vec::new();
    for m in &request.moves {
        let Some((_, cabin)) = mine.iter().find(|(seat, _)| *seat == m.from) else {
            return Ok(Err(ApiError::validation(
                "seats",
                format!("seat {} is not this booking's on this flight", m.from),
            )));
        };
        let Some(seat) = plane.seat(&m.to).filter(|s| s.cabin.as_str() == cabin) else {
            return Ok(Err(ApiError::validation(
                "seat",
                format!("no seat {} in {cabin} on this flight", m.to),
            )));
        };
        new_seats.push(seat);
    }
    let fare = request.fare_family;
    for seat in &new_seats {
        if mine.iter().any(|(s, _)| *s == seat.designator) {
            return Ok(Err(ApiError::validation(
                "seat",
                format!("seat {} is this booking's already", seat.designator),
            )));
        }
        let surcharge = surcharge_for(seat, fare);
        if !insert_seat(
            &mut tx,
            &request.flight_id,
            seat,
            booking_id,
            surcharge,
            now,
        )
        .await?
        {
            tx.rollback().await?;
            return Ok(Ok(HoldOutcome::SeatUnavailable {
                flight_id: request.flight_id.clone(),
                seat: seat.designator.clone(),
            }));
        }
    }
    for m in &request.moves {
        sqlx::query("DELETE FROM seat_holds WHERE flight_id = ? AND seat = ? AND booking_id = ?")
            .bind(&request.flight_id)
            .bind(&m.from)
            .bind(booking_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(match find(db, booking_id).await {
        Ok(Some(view)) => Ok(HoldOutcome::Held(view)),
        Ok(None) => Err(ApiError::NotFound(format!(
            "no seat hold for booking {booking_id}"
        ))),
        Err(err) => Err(err),
    })
}

/// The fare family a booking's seats were held on.
pub async fn fare_family(db: &Db, booking_id: &str) -> Result<Option<FareFamily>, ApiError> {
    let value: Option<String> =
        sqlx::query_scalar("SELECT fare_family FROM seat_hold_sets WHERE booking_id = ?")
            .bind(booking_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(value.as_deref().and_then(FareFamily::parse))
}
