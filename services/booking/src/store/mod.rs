//! booking's tables: bookings, passengers, tickets and the flights each booking is on. Plain
//! SQL that runs unchanged on SQLite and MySQL/MariaDB. Every status change is conditional on
//! the status it leaves, so the request path and the workers can both drive a booking.

use sqlx::any::AnyRow;
use sqlx::Row;
use wayfare_chassis::db::{now_ms, placeholders, Db};
use wayfare_chassis::error::is_unique_violation;
use wayfare_chassis::ApiError;
use wayfare_flight_api::{Cabin, FareFamily};

use crate::domain::{Booking, BookingStatus, Passenger, PassengerType, Ticket};

const COLUMNS: &str = "id, user_id, idempotency_key, request_hash, pnr, status, failure_code, failure_detail, cabin, fare_family, contact_email, itinerary, seats, fare_total, seat_total, total, currency, payment_method, payment_attempt, payment_id, refunded_amount, seat_credit, cancel_reason, payment_required_by, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<Booking, sqlx::Error> {
    let json = |column: &str| -> Result<String, sqlx::Error> { row.try_get(column) };
    Ok(Booking {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        request_hash: row.try_get("request_hash")?,
        pnr: row.try_get("pnr")?,
        status: BookingStatus::parse(&row.try_get::<String, _>("status")?),
        failure_code: row.try_get("failure_code")?,
        failure_detail: row.try_get("failure_detail")?,
        cabin: Cabin::parse(&row.try_get::<String, _>("cabin")?).unwrap_or(Cabin::Economy),
        fare_family: FareFamily::parse(&row.try_get::<String, _>("fare_family")?)
            .unwrap_or(FareFamily::Basic),
        contact_email: row.try_get("contact_email")?,
        itinerary: serde_json::from_str(&json("itinerary")?).unwrap_or_default(),
        seats: serde_json::from_str(&json("seats")?).unwrap_or_default(),
        fare_total: row.try_get("fare_total")?,
        seat_total: row.try_get("seat_total")?,
        total: row.try_get("total")?,
        currency: row.try_get("currency")?,
        payment_method: row.try_get("payment_method")?,
        payment_attempt: row.try_get("payment_attempt")?,
        payment_id: row.try_get("payment_id")?,
        refunded_amount: row.try_get("refunded_amount")?,
        seat_credit: row.try_get("seat_credit")?,
        cancel_reason: row.try_get("cancel_reason")?,
        payment_required_by: row.try_get("payment_required_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        passengers: Vec::new(),
        tickets: Vec::new(),
    })
}

async fn with_details(db: &Db, mut booking: Booking) -> Result<Booking, ApiError> {
    let rows = sqlx::query("SELECT kind, given_name, family_name, birth_date FROM passengers WHERE booking_id = ? ORDER BY idx")
        .bind(&booking.id)
        .fetch_all(&db.pool)
        .await?;
    booking.passengers = rows
        .iter()
        .map(|r| {
            Ok(Passenger {
                kind: PassengerType::parse(&r.try_get::<String, _>("kind")?),
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
                birth_date: r.try_get("birth_date")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let rows = sqlx::query(
        "SELECT number, passenger, status FROM tickets WHERE booking_id = ? ORDER BY passenger",
    )
    .bind(&booking.id)
    .fetch_all(&db.pool)
    .await?;
    booking.tickets = rows
        .iter()
        .map(|r| {
            Ok(Ticket {
                number: r.try_get("number")?,
                passenger: r.try_get::<i64, _>("passenger")? as usize,
                status: r.try_get("status")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(booking)
}

async fn one(db: &Db, sql: &str, binds: &[&str]) -> Result<Option<Booking>, ApiError> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(b.to_string());
    }
    match q.fetch_optional(&db.pool).await? {
        Some(row) => Ok(Some(with_details(db, from_row(&row)?).await?)),
        None => Ok(None),
    }
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Booking>, ApiError> {
    one(
        db,
        &format!("SELECT {COLUMNS} FROM bookings WHERE id = ?"),
        &[id],
    )
    .await
}

pub async fn find_by_key(db: &Db, user_id: &str, key: &str) -> Result<Option<Booking>, ApiError> {
    one(
        db,
        &format!("SELECT {COLUMNS} FROM bookings WHERE user_id = ? AND idempotency_key = ?"),
        &[user_id, key],
    )
    .await
}

pub async fn find_by_pnr(db: &Db, pnr: &str) -> Result<Option<Booking>, ApiError> {
    one(
        db,
        &format!("SELECT {COLUMNS} FROM bookings WHERE pnr = ?"),
        &[pnr],
    )
    .await
}

pub enum Inserted {
    Yes,
    /// Another booking has this user and key.
    DuplicateKey,
    /// Another booking has this PNR: draw another.
    DuplicatePnr,
}

/// Inserts a new booking (status `holding`) with its passengers and flights.
pub async fn insert(db: &Db, b: &Booking) -> Result<Inserted, ApiError> {
    let (_guard, mut tx) = db.begin_write().await?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO bookings ({COLUMNS}) VALUES ({})",
        placeholders(26)
    ))
    .bind(&b.id)
    .bind(&b.user_id)
    .bind(&b.idempotency_key)
    .bind(&b.request_hash)
    .bind(&b.pnr)
    .bind(b.status.as_str())
    .bind(b.failure_code.clone())
    .bind(b.failure_detail.clone())
    .bind(b.cabin.as_str())
    .bind(b.fare_family.as_str())
    .bind(&b.contact_email)
    .bind(serde_json::to_string(&b.itinerary).expect("serialises"))
    .bind(serde_json::to_string(&b.seats).expect("serialises"))
    .bind(b.fare_total)
    .bind(b.seat_total)
    .bind(b.total)
    .bind(&b.currency)
    .bind(b.payment_method.clone())
    .bind(b.payment_attempt)
    .bind(b.payment_id.clone())
    .bind(b.refunded_amount)
    .bind(b.seat_credit)
    .bind(b.cancel_reason.clone())
    .bind(b.payment_required_by)
    .bind(b.created_at)
    .bind(b.updated_at)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            let taken: Option<String> = sqlx::query_scalar(
                "SELECT id FROM bookings WHERE user_id = ? AND idempotency_key = ?",
            )
            .bind(&b.user_id)
            .bind(&b.idempotency_key)
            .fetch_optional(&db.pool)
            .await?;
            return Ok(if taken.is_some() {
                Inserted::DuplicateKey
            } else {
                Inserted::DuplicatePnr
            });
        }
        Err(err) => return Err(err.into()),
    }
    for (i, p) in b.passengers.iter().enumerate() {
        sqlx::query("INSERT INTO passengers (booking_id, idx, kind, given_name, family_name, birth_date) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&b.id)
            .bind(i as i64)
            .bind(p.kind.as_str())
            .bind(&p.given_name)
            .bind(&p.family_name)
            .bind(&p.birth_date)
            .execute(&mut *tx)
            .await?;
    }
    for s in &b.itinerary {
        sqlx::query("INSERT INTO booking_flights (booking_id, flight_id) VALUES (?, ?)")
            .bind(&b.id)
            .bind(&s.flight_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Inserted::Yes)
}

/// Changes of a conditional transition besides the status.
#[derive(Default)]
pub struct Changes<'a> {
    pub failure: Option<(&'a str, &'a str)>,
    pub seats: Option<(&'a [crate::domain::SeatAssignment], i64, i64)>,
    pub payment_required_by: Option<i64>,
    pub payment_method: Option<&'a str>,
    pub payment_id: Option<&'a str>,
    pub next_attempt: bool,
    pub refunded_amount: Option<i64>,
    pub cancel_reason: Option<&'a str>,
    pub seat_credit: Option<i64>,
}

/// `from` → `to` with `changes`, only if the booking is still `from`. True when it moved.
pub async fn transition(
    db: &Db,
    id: &str,
    from: BookingStatus,
    to: BookingStatus,
    changes: Changes<'_>,
) -> Result<bool, ApiError> {
    let mut sql = String::from("UPDATE bookings SET status = ?, updated_at = ?");
    if changes.failure.is_some() {
        sql.push_str(", failure_code = ?, failure_detail = ?");
    }
    if changes.seats.is_some() {
        sql.push_str(", seats = ?, seat_total = ?, total = ?");
    }
    if changes.payment_required_by.is_some() {
        sql.push_str(", payment_required_by = ?");
    }
    if changes.payment_method.is_some() {
        sql.push_str(", payment_method = ?");
    }
    if changes.payment_id.is_some() {
        sql.push_str(", payment_id = ?");
    }
    if changes.next_attempt {
        sql.push_str(", payment_attempt = payment_attempt + 1");
    }
    if changes.refunded_amount.is_some() {
        sql.push_str(", refunded_amount = ?");
    }
    if changes.cancel_reason.is_some() {
        sql.push_str(", cancel_reason = ?");
    }
    if changes.seat_credit.is_some() {
        sql.push_str(", seat_credit = ?");
    }
    sql.push_str(" WHERE id = ? AND status = ?");
    let mut q = sqlx::query(&sql).bind(to.as_str()).bind(now_ms());
    if let Some((code, detail)) = changes.failure {
        q = q.bind(code.to_string()).bind(detail.to_string());
    }
    if let Some((seats, seat_total, total)) = changes.seats {
        q = q
            .bind(serde_json::to_string(seats).expect("serialises"))
            .bind(seat_total)
            .bind(total);
    }
    if let Some(at) = changes.payment_required_by {
        q = q.bind(at);
    }
    if let Some(method) = changes.payment_method {
        q = q.bind(method.to_string());
    }
    if let Some(payment_id) = changes.payment_id {
        q = q.bind(payment_id.to_string());
    }
    if let Some(amount) = changes.refunded_amount {
        q = q.bind(amount);
    }
    if let Some(reason) = changes.cancel_reason {
        q = q.bind(reason.to_string());
    }
    if let Some(credit) = changes.seat_credit {
        q = q.bind(credit);
    }
    let done = q
        .bind(id.to_string())
        .bind(from.as_str())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One e-ticket per passenger; repeating it keeps the first numbers.
pub async fn issue_tickets(db: &Db, booking: &Booking) -> Result<(), ApiError> {
    for i in 0..booking.passengers.len() {
        for _ in 0..5 {
            let issued = sqlx::query("INSERT INTO tickets (number, booking_id, passenger, status, issued_at) VALUES (?, ?, ?, 'issued', ?)")
                .bind(crate::domain::new_ticket_number())
                .bind(&booking.id)
                .bind(i as i64)
                .bind(now_ms())
                .execute(&db.pool)
                .await;
            match issued {
                Ok(_) => break,
                Err(err) if is_unique_violation(&err) => {
                    let exists: Option<String> = sqlx::query_scalar(
                        "SELECT number FROM tickets WHERE booking_id = ? AND passenger = ?",
                    )
                    .bind(&booking.id)
                    .bind(i as i64)
                    .fetch_optional(&db.pool)
                    .await?;
                    if exists.is_some() {
                        break;
                    }
                    // Another booking drew the same number: draw again.
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
    Ok(())
}

pub async fn void_tickets(db: &Db, booking_id: &str) -> Result<(), ApiError> {
    sqlx::query("UPDATE tickets SET status = 'void' WHERE booking_id = ?")
        .bind(booking_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn list_for_user(
    db: &Db,
    user_id: &str,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<Booking>, ApiError> {
    let rows = match &after {
        Some((created, id)) => sqlx::query(&format!("SELECT {COLUMNS} FROM bookings WHERE user_id = ? AND status <> 'failed' AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?"))
            .bind(user_id)
            .bind(*created)
            .bind(*created)
            .bind(id.clone())
            .bind(i64::from(limit))
            .fetch_all(&db.pool)
            .await?,
        None => sqlx::query(&format!("SELECT {COLUMNS} FROM bookings WHERE user_id = ? AND status <> 'failed' ORDER BY created_at DESC, id DESC LIMIT ?"))
            .bind(user_id)
            .bind(i64::from(limit))
            .fetch_all(&db.pool)
            .await?,
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(with_details(db, from_row(&row)?).await?);
    }
    Ok(out)
}

/// Bookings in `status` last changed before `before` (the workers' lists).
pub async fn stale(
    db: &Db,
    status: BookingStatus,
    before: i64,
    limit: i64,
) -> Result<Vec<Booking>, ApiError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM bookings WHERE status = ? AND updated_at < ? ORDER BY updated_at LIMIT ?"))
        .bind(status.as_str())
        .bind(before)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(with_details(db, from_row(&row)?).await?);
    }
    Ok(out)
}

/// Held bookings whose payment deadline has passed.
pub async fn overdue(db: &Db, now: i64, limit: i64) -> Result<Vec<Booking>, ApiError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM bookings WHERE status = 'held' AND payment_required_by <= ? LIMIT ?"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(with_details(db, from_row(&row)?).await?);
    }
    Ok(out)
}

/// Bookings still active on a flight.
pub async fn on_flight(db: &Db, flight_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(sqlx::query_scalar("SELECT b.id FROM bookings b JOIN booking_flights f ON f.booking_id = b.id WHERE f.flight_id = ? AND b.status IN ('held', 'confirmed', 'payment_pending', 'cancelling')")
        .bind(flight_id)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn watch_position(db: &Db, name: &str) -> Result<i64, ApiError> {
    let position: Option<i64> =
        sqlx::query_scalar("SELECT position FROM booking_watch WHERE name = ?")
            .bind(name)
            .fetch_optional(&db.pool)
            .await?;
    Ok(position.unwrap_or(0))
}

pub async fn set_watch_position(db: &Db, name: &str, position: i64) -> Result<(), ApiError> {
    let updated = sqlx::query("UPDATE booking_watch SET position = ? WHERE name = ?")
        .bind(position)
        .bind(name)
        .execute(&db.pool)
        .await?;
    if updated.rows_affected() == 0 {
        match sqlx::query("INSERT INTO booking_watch (name, position) VALUES (?, ?)")
            .bind(name)
            .bind(position)
            .execute(&db.pool)
            .await
        {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// What the back office finds bookings by.
#[derive(Debug, Default)]
pub struct BookingFilter {
    pub pnr: Option<String>,
    /// A passenger's family or given name (exact, case-insensitive).
    pub name: Option<String>,
    pub flight_id: Option<String>,
    pub status: Option<BookingStatus>,
}

/// Every customer's bookings matching `filter`, newest first, after `(created_at, id)`.
pub async fn search(
    db: &Db,
    filter: &BookingFilter,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<Booking>, ApiError> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("b.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("SELECT {columns} FROM bookings b WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(pnr) = &filter.pnr {
        sql.push_str(" AND b.pnr = ?");
        binds.push(pnr.to_uppercase());
    }
    if let Some(name) = &filter.name {
        sql.push_str(" AND EXISTS (SELECT 1 FROM passengers p WHERE p.booking_id = b.id AND (LOWER(p.family_name) = ? OR LOWER(p.given_name) = ?))");
        binds.push(name.to_lowercase());
        binds.push(name.to_lowercase());
    }
    if let Some(flight_id) = &filter.flight_id {
        sql.push_str(" AND EXISTS (SELECT 1 FROM booking_flights f WHERE f.booking_id = b.id AND f.flight_id = ?)");
        binds.push(flight_id.clone());
    }
    if let Some(status) = filter.status {
        sql.push_str(" AND b.status = ?");
        binds.push(status.as_str().to_string());
    }
    if after.is_some() {
        sql.push_str(" AND (b.created_at < ? OR (b.created_at = ? AND b.id < ?))");
    }
    sql.push_str(" ORDER BY b.created_at DESC, b.id DESC LIMIT ?");
    let mut query = sqlx::query(&sql);
    for bind in binds {
        query = query.bind(bind);
    }
    if let Some((created, id)) = after {
        query = query.bind(created).bind(created).bind(id);
    }
    let rows = query.bind(i64::from(limit)).fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(with_details(db, from_row(&row)?).await?);
    }
    Ok(out)
}

/// One booking that counts in the airline's sales figures.
#[derive(Debug, sqlx::FromRow)]
pub struct BookingSale {
    pub status: String,
    pub total: i64,
    pub refunded_amount: i64,
    pub currency: String,
    pub created_at: i64,
}

/// Bookings created in `[from_ms, to_ms)` that were paid (confirmed, or cancelled after).
pub async fn sales(db: &Db, from_ms: i64, to_ms: i64) -> Result<Vec<BookingSale>, ApiError> {
    Ok(sqlx::query_as::<_, BookingSale>(
        "SELECT status, total, refunded_amount, currency, created_at FROM bookings WHERE created_at >= ? AND created_at < ? AND payment_id IS NOT NULL AND status IN ('confirmed', 'cancelling', 'cancelled') ORDER BY created_at",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&db.pool)
    .await?)
}

/// Records a charge made after the first payment (idempotent per payment).
pub async fn record_extra_charge(
    db: &Db,
    booking_id: &str,
    payment_id: &str,
    amount: i64,
) -> Result<(), ApiError> {
    let inserted = sqlx::query(
        "INSERT INTO booking_charges (booking_id, payment_id, amount, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(booking_id)
    .bind(payment_id)
    .bind(amount)
    .bind(now_ms())
    .execute(&db.pool)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(err) if is_unique_violation(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// The charges a booking made after its first payment, oldest first: (payment id, amount).
pub async fn extra_charges(db: &Db, booking_id: &str) -> Result<Vec<(String, i64)>, ApiError> {
    let rows = sqlx::query(
        "SELECT payment_id, amount FROM booking_charges WHERE booking_id = ? ORDER BY created_at, payment_id",
    )
    .bind(booking_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("payment_id")?, r.try_get("amount")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
