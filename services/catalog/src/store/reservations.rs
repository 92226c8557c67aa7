//! Stock reservations: the catalog side of the checkout saga. Stock moves only through
//! conditional updates (`stock >= n`), so it can never go below zero, and every operation is
//! idempotent per order id, so any saga step can be repeated safely.

use serde::Serialize;
use sqlx::Row;
use wayfare_chassis::db::{is_retryable, now_ms, rfc3339, Db};
use wayfare_chassis::error::is_unique_violation;

use crate::error::CatalogError;

/// The wire type lives in catalog's contract crate.
pub use wayfare_catalog_api::ReservationLine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    Held,
    Committed,
    Released,
}

impl ReservationStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Committed => "committed",
            Self::Released => "released",
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "held" => Self::Held,
            "committed" => Self::Committed,
            _ => Self::Released,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Reservation {
    pub order_id: String,
    pub status: ReservationStatus,
    pub items: Vec<ReservationLine>,
    pub expires_at: String,
}

#[derive(Debug)]
pub enum ReserveOutcome {
    Reserved(Reservation),
    OutOfStock {
        product_id: String,
    },
    UnknownProduct {
        product_id: String,
    },
    /// The order's reservation existed and was released (expired or compensated).
    Released(Reservation),
}

pub async fn find(db: &Db, order_id: &str) -> Result<Option<Reservation>, CatalogError> {
    let rows = sqlx::query("SELECT product_id, quantity, status, expires_at FROM stock_reservations WHERE order_id = ? ORDER BY product_id")
        .bind(order_id)
        .fetch_all(&db.pool)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut items = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    let mut expires_at = 0;
    for row in &rows {
        items.push(ReservationLine {
            product_id: row.try_get("product_id")?,
            quantity: row.try_get("quantity")?,
        });
        statuses.push(ReservationStatus::parse(
            &row.try_get::<String, _>("status")?,
        ));
        expires_at = row.try_get("expires_at")?;
    }
    // Rows of one order change together; a mix can only be seen mid-release.
    let status = if statuses.iter().all(|s| *s == statuses[0]) {
        statuses[0]
    } else {
        ReservationStatus::Released
    };
    Ok(Some(Reservation {
        order_id: order_id.to_string(),
        status,
        items,
        expires_at: rfc3339(expires_at),
    }))
}

/// Merges duplicate products and sorts by id, so concurrent reservations lock rows in one
/// order (no deadlocks on MySQL).
pub fn normalise(lines: &[ReservationLine]) -> Vec<ReservationLine> {
    let mut merged: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for line in lines {
        *merged.entry(line.product_id.as_str()).or_default() += line.quantity;
    }
    merged
        .into_iter()
        .map(|(product_id, quantity)| ReservationLine {
            product_id: product_id.to_string(),
            quantity,
        })
        .collect()
}

const ATTEMPTS: usize = 5;

#[tracing::instrument(level = "debug", skip(db, lines))]
pub async fn reserve(
    db: &Db,
    order_id: &str,
    lines: &[ReservationLine],
    ttl_ms: i64,
) -> Result<ReserveOutcome, CatalogError> {
    let lines = normalise(lines);
    for attempt in 1..=ATTEMPTS {
        if let Some(existing) = find(db, order_id).await? {
            return Ok(match existing.status {
                ReservationStatus::Released => ReserveOutcome::Released(existing),
                _ => ReserveOutcome::Reserved(existing),
            });
        }
        match try_reserve(db, order_id, &lines, ttl_ms).await {
            Ok(Some(outcome)) => return Ok(outcome),
            // Lost a race with a duplicate request for the same order: read what it did.
            Ok(None) => continue,
            Err(err) if attempt < ATTEMPTS && is_retryable(&err) => {
                tracing::debug!(order_id, attempt, error = %err, "retrying reservation");
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    find(db, order_id)
        .await?
        .map(ReserveOutcome::Reserved)
        .ok_or_else(|| {
            CatalogError::Api(wayfare_chassis::ApiError::Unavailable(
                "reservation contention; retry".into(),
            ))
        })
}

/// One attempt in one transaction. `Ok(None)`: another request reserved this order first.
async fn try_reserve(
    db: &Db,
    order_id: &str,
    lines: &[ReservationLine],
    ttl_ms: i64,
) -> Result<Option<ReserveOutcome>, sqlx::Error> {
    let now = now_ms();
    let expires_at = now + ttl_ms;
    let (_guard, mut tx) = db.begin_write().await?;
    for line in lines {
        let taken = sqlx::query("UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ? AND active = 1 AND stock >= ?")
            .bind(line.quantity)
            .bind(now)
            .bind(&line.product_id)
            .bind(line.quantity)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT active FROM products WHERE id = ?")
                    .bind(&line.product_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            let product_id = line.product_id.clone();
            return Ok(Some(match exists {
                Some(1) => ReserveOutcome::OutOfStock { product_id },
                _ => ReserveOutcome::UnknownProduct { product_id },
            }));
        }
        let inserted = sqlx::query("INSERT INTO stock_reservations (order_id, product_id, quantity, status, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(order_id)
            .bind(&line.product_id)
            .bind(line.quantity)
            .bind(ReservationStatus::Held.as_str())
            .bind(expires_at)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await;
        match inserted {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => {
                tx.rollback().await?;
                return Ok(None);
            }
            Err(err) => return Err(err),
        }
    }
    tx.commit().await?;
    Ok(Some(ReserveOutcome::Reserved(Reservation {
        order_id: order_id.to_string(),
        status: ReservationStatus::Held,
        items: lines.to_vec(),
        expires_at: rfc3339(expires_at),
    })))
}

#[derive(Debug)]
pub enum CommitOutcome {
    Committed(Reservation),
    NotFound,
    Released(Reservation),
}

/// Held → committed (the sale happened). Repeating it is harmless.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn commit(db: &Db, order_id: &str) -> Result<CommitOutcome, CatalogError> {
    sqlx::query("UPDATE stock_reservations SET status = ?, updated_at = ? WHERE order_id = ? AND status = ?")
        .bind(ReservationStatus::Committed.as_str())
        .bind(now_ms())
        .bind(order_id)
        .bind(ReservationStatus::Held.as_str())
        .execute(&db.pool)
        .await?;
    Ok(match find(db, order_id).await? {
        None => CommitOutcome::NotFound,
        Some(r) if r.status == ReservationStatus::Committed => CommitOutcome::Committed(r),
        Some(r) => CommitOutcome::Released(r),
    })
}

/// Which reservations a release may return to stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseScope {
    /// Compensation or cancellation: held or committed units go back.
    Any,
    /// The sweeper: only held units whose hold has expired.
    ExpiredHolds,
}

/// Returns the order's units to stock, each row at most once (a conditional status change
/// guards every increment). Returns the product ids whose stock changed.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn release(
    db: &Db,
    order_id: &str,
    scope: ReleaseScope,
) -> Result<Vec<String>, CatalogError> {
    for attempt in 1..=ATTEMPTS {
        match try_release(db, order_id, scope).await {
            Ok(changed) => return Ok(changed),
            Err(err) if attempt < ATTEMPTS && is_retryable(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    unreachable!("the last attempt returns")
}

async fn try_release(
    db: &Db,
    order_id: &str,
    scope: ReleaseScope,
) -> Result<Vec<String>, sqlx::Error> {
    let now = now_ms();
    let (_guard, mut tx) = db.begin_write().await?;
    let rows = sqlx::query("SELECT product_id, quantity FROM stock_reservations WHERE order_id = ? ORDER BY product_id")
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut changed = Vec::new();
    for row in rows {
        let product_id: String = row.try_get("product_id")?;
        let quantity: i64 = row.try_get("quantity")?;
        let flipped = match scope {
            ReleaseScope::Any => {
                sqlx::query("UPDATE stock_reservations SET status = 'released', updated_at = ? WHERE order_id = ? AND product_id = ? AND status IN ('held', 'committed')")
                    .bind(now)
                    .bind(order_id)
                    .bind(&product_id)
                    .execute(&mut *tx)
                    .await?
            }
            ReleaseScope::ExpiredHolds => {
                sqlx::query("UPDATE stock_reservations SET status = 'released', updated_at = ? WHERE order_id = ? AND product_id = ? AND status = 'held' AND expires_at <= ?")
                    .bind(now)
                    .bind(order_id)
                    .bind(&product_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
            }
        };
        if flipped.rows_affected() == 1 {
            sqlx::query("UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?")
                .bind(quantity)
                .bind(now)
                .bind(&product_id)
                .execute(&mut *tx)
                .await?;
            changed.push(product_id);
        }
    }
    tx.commit().await?;
    Ok(changed)
}

/// Orders with holds past their expiry (the sweeper's work list).
pub async fn expired_orders(db: &Db, limit: i64) -> Result<Vec<String>, CatalogError> {
    Ok(sqlx::query_scalar("SELECT DISTINCT order_id FROM stock_reservations WHERE status = 'held' AND expires_at <= ? LIMIT ?")
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
}
