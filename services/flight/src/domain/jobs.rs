//! flight's background jobs (run by the supervisor as workers, see `lib.rs`).

use wayfare_chassis::db::Db;

use crate::store::holds;

/// Publishes the load factor of the next 48 hours' flights (not cancelled): seats offered and
/// seats sold, as gauges (`flight_seats_offered`, `flight_seats_sold`). Every replica may
/// publish; dashboards take the ratio of the sums, which replicas do not change.
pub async fn publish_load_factor(db: &Db) -> anyhow::Result<usize> {
    let now = wayfare_chassis::db::now_ms();
    let until = now + 48 * 3600 * 1000;
    let seats: Vec<i64> = sqlx::query_scalar(
        "SELECT a.seats FROM flights f JOIN aircraft_types a ON a.code = f.aircraft \
         WHERE f.status <> 'cancelled' AND f.departure_at >= ? AND f.departure_at < ?",
    )
    .bind(now)
    .bind(until)
    .fetch_all(&db.pool)
    .await?;
    let sold: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM seat_holds h JOIN seat_hold_sets s ON s.booking_id = h.booking_id \
         JOIN flights f ON f.id = h.flight_id \
         WHERE s.status = 'sold' AND f.status <> 'cancelled' AND f.departure_at >= ? AND f.departure_at < ?",
    )
    .bind(now)
    .bind(until)
    .fetch_one(&db.pool)
    .await?;
    metrics::gauge!("flight_seats_offered").set(seats.iter().sum::<i64>() as f64);
    metrics::gauge!("flight_seats_sold").set(sold as f64);
    Ok(seats.len())
}

/// Returns the seats of holds past their expiry (at most 200 bookings a run); how many
/// bookings' holds it released.
pub async fn return_expired_holds(db: &Db) -> anyhow::Result<usize> {
    let bookings = holds::expired(db, 200)
        .await
        .map_err(|e| anyhow::anyhow!("finding expired seat holds: {e}"))?;
    let mut released = 0;
    for booking_id in bookings {
        match holds::release(db, &booking_id, true).await {
            Ok(n) if n > 0 => {
                released += 1;
                metrics::counter!("flight_seat_holds_expired_total").increment(1);
                tracing::info!(booking_id, seats = n, "expired seat hold released");
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(booking_id, error = %err, "releasing an expired seat hold failed")
            }
        }
    }
    Ok(released)
}
