//! The back office's reads of the schedule (flights by departure with their load factor) and
//! the versions that make its edits conditional.

use std::collections::HashMap;

use sqlx::Row;
use wayfare_chassis::db::{placeholders, Db};
use wayfare_chassis::ApiError;

use super::{flight_from_row, FlightRow, FLIGHT_COLUMNS};

/// What the back office filters flights by.
#[derive(Debug, Default)]
pub struct FlightFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub status: Option<String>,
}

/// Flights by departure (then id), after the cursor `(departure_at, id)`, each with its
/// version.
pub async fn flights(
    db: &Db,
    filter: &FlightFilter,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<(FlightRow, i64)>, ApiError> {
    let mut sql = format!("SELECT {FLIGHT_COLUMNS}, version FROM flights WHERE 1 = 1");
    let mut ints = Vec::new();
    let mut texts = Vec::new();
    if let Some(from) = filter.from_ms {
        sql.push_str(" AND departure_at >= ?");
        ints.push(from);
    }
    if let Some(to) = filter.to_ms {
        sql.push_str(" AND departure_at < ?");
        ints.push(to);
    }
    if let Some((departure, _)) = &after {
        sql.push_str(" AND (departure_at > ? OR (departure_at = ? AND id > ?))");
        ints.push(*departure);
        ints.push(*departure);
    }
    for (column, value) in [
        ("origin", &filter.origin),
        ("destination", &filter.destination),
        ("status", &filter.status),
    ] {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ?"));
            texts.push(value.clone());
        }
    }
    sql.push_str(" ORDER BY departure_at, id LIMIT ?");
    // Binds in the order the placeholders appear: the times, the cursor's id, the texts.
    let mut query = sqlx::query(&sql);
    for int in ints {
        query = query.bind(int);
    }
    if let Some((_, id)) = after {
        query = query.bind(id);
    }
    for text in texts {
        query = query.bind(text);
    }
    let rows = query.bind(i64::from(limit)).fetch_all(&db.pool).await?;
    Ok(rows
        .iter()
        .map(|row| Ok((flight_from_row(row)?, row.try_get("version")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Seats sold per flight (held seats are not sold yet).
pub async fn sold(db: &Db, ids: &[String]) -> Result<HashMap<String, i64>, ApiError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT h.flight_id, COUNT(*) AS n FROM seat_holds h JOIN seat_hold_sets s ON s.booking_id = h.booking_id \
             WHERE s.status = 'sold' AND h.flight_id IN ({}) GROUP BY h.flight_id",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for row in q.fetch_all(&db.pool).await? {
            found.insert(row.try_get("flight_id")?, row.try_get("n")?);
        }
    }
    Ok(found)
}

/// A flight's version (its `ETag`).
pub async fn version(db: &Db, id: &str) -> Result<Option<i64>, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT version FROM flights WHERE id = ?")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Claims the next version for an edit based on `expected` (any when `None`): false when
/// someone else moved the flight on first, so the edit must not be applied.
pub async fn claim_version(db: &Db, id: &str, expected: Option<i64>) -> Result<bool, ApiError> {
    let done = match expected {
        Some(version) => {
            sqlx::query("UPDATE flights SET version = version + 1 WHERE id = ? AND version = ?")
                .bind(id)
                .bind(version)
                .execute(&db.pool)
                .await?
        }
        None => {
            sqlx::query("UPDATE flights SET version = version + 1 WHERE id = ?")
                .bind(id)
                .execute(&db.pool)
                .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// Moves a flight to its next version after a change made elsewhere (a cancellation).
pub async fn bump_version(db: &Db, id: &str) -> Result<(), ApiError> {
    claim_version(db, id, None).await.map(|_| ())
}
