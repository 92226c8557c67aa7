//! flight's background jobs (run by the supervisor as workers, see `lib.rs`).

use wayfare_chassis::db::Db;

use crate::store::holds;

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
