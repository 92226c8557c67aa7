//! payment's tables. A payment row is created `processing` under its idempotency key before the
//! provider is called (the unique key makes concurrent duplicates collide here, so only one
//! request ever reaches the provider), and finished with a conditional update.

use crate::error::PaymentError;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::error::is_unique_violation;

use crate::domain::PaymentStatus;

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub user_id: String,
    pub order_id: String,
    pub amount: i64,
    pub currency: String,
    pub method: String,
    pub status: PaymentStatus,
    pub failure_code: Option<String>,
    pub provider_ref: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, idempotency_key, request_hash, user_id, order_id, amount, currency, method, status, failure_code, provider_ref, created_at, updated_at";

/// A `payments` row as stored (status as text).
#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: String,
    idempotency_key: String,
    request_hash: String,
    user_id: String,
    order_id: String,
    amount: i64,
    currency: String,
    method: String,
    status: String,
    failure_code: Option<String>,
    provider_ref: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<PaymentRow> for Payment {
    fn from(row: PaymentRow) -> Self {
        Payment {
            id: row.id,
            idempotency_key: row.idempotency_key,
            request_hash: row.request_hash,
            user_id: row.user_id,
            order_id: row.order_id,
            amount: row.amount,
            currency: row.currency,
            method: row.method,
            status: crate::domain::parse_status(&row.status),
            failure_code: row.failure_code,
            provider_ref: row.provider_ref,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn from_row(row: &AnyRow) -> Result<Payment, sqlx::Error> {
    PaymentRow::from_row(row).map(Payment::from)
}

/// A charge to record before calling the provider.
#[derive(Debug, Clone)]
pub struct NewCharge {
    pub idempotency_key: String,
    pub request_hash: String,
    pub user_id: String,
    pub order_id: String,
    pub amount: i64,
    pub currency: String,
    pub method: String,
}

/// Inserts the `processing` row; `None` when the key is already taken.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn insert_processing(db: &Db, new: &NewCharge) -> Result<Option<Payment>, PaymentError> {
    insert(db, new, PaymentStatus::Processing).await
}

/// Fences a key that never charged: a later charge with it gets `charge_voided`. `None` when
/// the key is already taken (then read what happened to it).
pub async fn insert_voided(db: &Db, key: &str) -> Result<Option<Payment>, PaymentError> {
    let new = NewCharge {
        idempotency_key: key.to_string(),
        request_hash: String::new(),
        user_id: String::new(),
        order_id: String::new(),
        amount: 0,
        currency: "XXX".into(),
        method: String::new(),
    };
    insert(db, &new, PaymentStatus::Voided).await
}

async fn insert(
    db: &Db,
    new: &NewCharge,
    status: PaymentStatus,
) -> Result<Option<Payment>, PaymentError> {
    let now = now_ms();
    let payment = Payment {
        id: uuid::Uuid::now_v7().to_string(),
        idempotency_key: new.idempotency_key.clone(),
        request_hash: new.request_hash.clone(),
        user_id: new.user_id.clone(),
        order_id: new.order_id.clone(),
        amount: new.amount,
        currency: new.currency.clone(),
        method: new.method.clone(),
        status,
        failure_code: None,
        provider_ref: None,
        created_at: now,
        updated_at: now,
    };
    let result = sqlx::query(&format!(
        "INSERT INTO payments ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)"
    ))
    .bind(&payment.id)
    .bind(&payment.idempotency_key)
    .bind(&payment.request_hash)
    .bind(&payment.user_id)
    .bind(&payment.order_id)
    .bind(payment.amount)
    .bind(&payment.currency)
    .bind(&payment.method)
    .bind(status.as_str())
    .bind(now)
    .bind(now)
    .execute(&db.pool)
    .await;
    match result {
        Ok(_) => Ok(Some(payment)),
        Err(err) if is_unique_violation(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

pub async fn find_by_key(db: &Db, key: &str) -> Result<Option<Payment>, PaymentError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE idempotency_key = ?"
    ))
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<Payment>, PaymentError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM payments WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Processing → a final state; false if something else finished it first.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn finish(
    db: &Db,
    id: &str,
    status: PaymentStatus,
    failure_code: Option<&str>,
    provider_ref: Option<&str>,
) -> Result<bool, PaymentError> {
    let done = sqlx::query("UPDATE payments SET status = ?, failure_code = ?, provider_ref = ?, updated_at = ? WHERE id = ? AND status = 'processing'")
        .bind(status.as_str())
        .bind(failure_code.map(str::to_string))
        .bind(provider_ref.map(str::to_string))
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Payments stuck `processing` since before `before_ms` (their request died mid-call).
pub async fn stale_processing(db: &Db, before_ms: i64) -> Result<Vec<Payment>, PaymentError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE status = 'processing' AND updated_at < ? LIMIT 200"
    ))
    .bind(before_ms)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub idempotency_key: String,
    pub payment_id: String,
    pub amount: i64,
}

pub async fn find_refund_by_key(db: &Db, key: &str) -> Result<Option<Refund>, PaymentError> {
    let row = sqlx::query(
        "SELECT id, idempotency_key, payment_id, amount FROM refunds WHERE idempotency_key = ?",
    )
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Refund {
        id: row.try_get("id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        payment_id: row.try_get("payment_id")?,
        amount: row.try_get("amount")?,
    }))
}

/// Succeeded → refunded plus the refund row, in one transaction. `Ok(None)` when the payment
/// was not in a refundable state (already refunded under another key, or never succeeded).
/// Fences a refund like a charge: the one caller that moves the payment from `succeeded` to
/// `refunding` calls the provider; a `refunding` left by a request that died more than
/// `stale_before` (Unix ms) ago can be taken over. False: someone else is refunding it.
pub async fn start_refund(
    db: &Db,
    payment_id: &str,
    stale_before: i64,
) -> Result<bool, PaymentError> {
    let done = sqlx::query(
        "UPDATE payments SET status = 'refunding', updated_at = ? \
         WHERE id = ? AND (status = 'succeeded' OR (status = 'refunding' AND updated_at < ?))",
    )
    .bind(now_ms())
    .bind(payment_id)
    .bind(stale_before)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The provider refused the refund: the payment stands as it was.
pub async fn abandon_refund(db: &Db, payment_id: &str) -> Result<(), PaymentError> {
    sqlx::query("UPDATE payments SET status = 'succeeded', updated_at = ? WHERE id = ? AND status = 'refunding'")
        .bind(now_ms())
        .bind(payment_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Completes a refund started with [`start_refund`].
pub async fn record_refund(
    db: &Db,
    payment: &Payment,
    key: &str,
    provider_ref: &str,
    amount: i64,
) -> Result<Option<Refund>, PaymentError> {
    let (_guard, mut tx) = db.begin_write().await?;
    let now = now_ms();
    let flipped = sqlx::query("UPDATE payments SET status = 'refunded', updated_at = ? WHERE id = ? AND status = 'refunding'")
        .bind(now)
        .bind(&payment.id)
        .execute(&mut *tx)
        .await?;
    if flipped.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let refund = Refund {
        id: uuid::Uuid::now_v7().to_string(),
        idempotency_key: key.to_string(),
        payment_id: payment.id.clone(),
        amount,
    };
    sqlx::query("INSERT INTO refunds (id, idempotency_key, payment_id, amount, provider_ref, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&refund.id)
        .bind(&refund.idempotency_key)
        .bind(&refund.payment_id)
        .bind(refund.amount)
        .bind(provider_ref)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(refund))
}

/// How many charges made in `[from_ms, to_ms)` are in each status.
pub async fn charges_by_status(
    db: &Db,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, i64)>, PaymentError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM payments WHERE created_at >= ? AND created_at < ? GROUP BY status",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}
