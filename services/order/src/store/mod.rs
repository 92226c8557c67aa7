//! order's tables. Every status change is a conditional update from the state the step
//! expects, so repeated or concurrent saga steps cannot move an order twice.

use crate::error::OrderError;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use wayfare_chassis::db::{now_ms, placeholders, Db};
use wayfare_chassis::error::is_unique_violation;

use crate::domain::{Order, OrderLine, OrderStatus};

const COLUMNS: &str = "id, user_id, idempotency_key, request_hash, status, failure_reason, total, currency, payment_method, payment_id, from_cart, created_at, updated_at";

/// An `orders` row as stored (status as text, booleans as integers).
#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    user_id: String,
    idempotency_key: String,
    request_hash: String,
    status: String,
    failure_reason: Option<String>,
    total: i64,
    currency: String,
    payment_method: String,
    payment_id: Option<String>,
    from_cart: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<OrderRow> for Order {
    fn from(row: OrderRow) -> Self {
        Order {
            id: row.id,
            user_id: row.user_id,
            idempotency_key: row.idempotency_key,
            request_hash: row.request_hash,
            status: OrderStatus::parse(&row.status),
            failure_reason: row.failure_reason,
            total: row.total,
            currency: row.currency,
            payment_method: row.payment_method,
            payment_id: row.payment_id,
            from_cart: row.from_cart != 0,
            created_at: row.created_at,
            updated_at: row.updated_at,
            lines: Vec::new(),
        }
    }
}

fn from_row(row: &AnyRow) -> Result<Order, sqlx::Error> {
    OrderRow::from_row(row).map(Order::from)
}

/// Inserts a pending order with its lines; `None` if the user already used this key.
#[tracing::instrument(level = "debug", skip(db, order))]
pub async fn insert_pending(db: &Db, order: &Order) -> Result<Option<()>, OrderError> {
    let (_guard, mut tx) = db.begin_write().await?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO orders ({COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?)"
    ))
    .bind(&order.id)
    .bind(&order.user_id)
    .bind(&order.idempotency_key)
    .bind(&order.request_hash)
    .bind(OrderStatus::Pending.as_str())
    .bind(order.total)
    .bind(&order.currency)
    .bind(&order.payment_method)
    .bind(i64::from(order.from_cart))
    .bind(order.created_at)
    .bind(order.updated_at)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    }
    for line in &order.lines {
        sqlx::query("INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity) VALUES (?, ?, ?, ?, ?)")
            .bind(&order.id)
            .bind(&line.product_id)
            .bind(&line.name)
            .bind(line.unit_price)
            .bind(line.quantity)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(()))
}

async fn with_lines(db: &Db, order: Order) -> Result<Order, OrderError> {
    let mut orders = with_lines_all(db, vec![order]).await?;
    Ok(orders.remove(0))
}

/// Loads the lines of many orders in one query.
async fn with_lines_all(db: &Db, mut orders: Vec<Order>) -> Result<Vec<Order>, OrderError> {
    if orders.is_empty() {
        return Ok(orders);
    }
    let placeholders = placeholders(orders.len());
    let sql = format!(
        "SELECT order_id, product_id, name, unit_price, quantity FROM order_lines WHERE order_id IN ({placeholders}) ORDER BY order_id, product_id"
    );
    let mut query = sqlx::query(&sql);
    for order in &orders {
        query = query.bind(order.id.clone());
    }
    let rows = query.fetch_all(&db.pool).await?;
    let mut lines: std::collections::HashMap<String, Vec<OrderLine>> =
        std::collections::HashMap::new();
    for r in &rows {
        lines
            .entry(r.try_get("order_id")?)
            .or_default()
            .push(OrderLine {
                product_id: r.try_get("product_id")?,
                name: r.try_get("name")?,
                unit_price: r.try_get("unit_price")?,
                quantity: r.try_get("quantity")?,
            });
    }
    for order in &mut orders {
        order.lines = lines.remove(&order.id).unwrap_or_default();
    }
    Ok(orders)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Order>, OrderError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM orders WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(row) => Ok(Some(with_lines(db, from_row(&row)?).await?)),
        None => Ok(None),
    }
}

pub async fn find_by_key(db: &Db, user_id: &str, key: &str) -> Result<Option<Order>, OrderError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders WHERE user_id = ? AND idempotency_key = ?"
    ))
    .bind(user_id)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(row) => Ok(Some(with_lines(db, from_row(&row)?).await?)),
        None => Ok(None),
    }
}

/// A user's orders, newest first, after the cursor `(created_at, id)`.
pub async fn list_for_user(
    db: &Db,
    user_id: &str,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<Order>, OrderError> {
    let rows = match &after {
        Some((created_at, id)) => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM orders WHERE user_id = ? AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?"))
                .bind(user_id)
                .bind(*created_at)
                .bind(*created_at)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all(&db.pool)
                .await?
        }
        None => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"))
                .bind(user_id)
                .bind(i64::from(limit))
                .fetch_all(&db.pool)
                .await?
        }
    };
    let orders = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    with_lines_all(db, orders).await
}

/// Moves an order from `from` to `to`; false if it was not in `from` any more.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn transition(
    db: &Db,
    id: &str,
    from: OrderStatus,
    to: OrderStatus,
    failure_reason: Option<&str>,
    payment_id: Option<&str>,
) -> Result<bool, OrderError> {
    let done = sqlx::query("UPDATE orders SET status = ?, failure_reason = COALESCE(?, failure_reason), payment_id = COALESCE(?, payment_id), updated_at = ? WHERE id = ? AND status = ?")
        .bind(to.as_str())
        .bind(failure_reason.map(str::to_string))
        .bind(payment_id.map(str::to_string))
        .bind(now_ms())
        .bind(id)
        .bind(from.as_str())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Orders in `status` untouched since before `before_ms` (the reconciler's work list).
pub async fn stale(
    db: &Db,
    status: OrderStatus,
    before_ms: i64,
    limit: i64,
) -> Result<Vec<Order>, OrderError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM orders WHERE status = ? AND updated_at < ? ORDER BY updated_at LIMIT ?"))
        .bind(status.as_str())
        .bind(before_ms)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let orders = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    with_lines_all(db, orders).await
}

/// What the back office may filter orders by.
#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub user_id: Option<String>,
    /// Created at or after (Unix ms).
    pub from_ms: Option<i64>,
    /// Created before (Unix ms).
    pub to_ms: Option<i64>,
}

/// Every customer's orders, newest first, after the cursor `(created_at, id)`, filtered.
pub async fn search(
    db: &Db,
    filter: &OrderFilter,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<Order>, OrderError> {
    let mut sql = format!("SELECT {COLUMNS} FROM orders WHERE 1 = 1");
    if filter.status.is_some() {
        sql.push_str(" AND status = ?");
    }
    if filter.user_id.is_some() {
        sql.push_str(" AND user_id = ?");
    }
    if filter.from_ms.is_some() {
        sql.push_str(" AND created_at >= ?");
    }
    if filter.to_ms.is_some() {
        sql.push_str(" AND created_at < ?");
    }
    if after.is_some() {
        sql.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
    let mut query = sqlx::query(&sql);
    if let Some(status) = filter.status {
        query = query.bind(status.as_str());
    }
    if let Some(user_id) = &filter.user_id {
        query = query.bind(user_id.clone());
    }
    if let Some(from) = filter.from_ms {
        query = query.bind(from);
    }
    if let Some(to) = filter.to_ms {
        query = query.bind(to);
    }
    if let Some((created_at, id)) = &after {
        query = query.bind(*created_at).bind(*created_at).bind(id.clone());
    }
    let rows = query.bind(i64::from(limit)).fetch_all(&db.pool).await?;
    let orders = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    with_lines_all(db, orders).await
}

/// One order that counts in the sales figures: when, in what, how much, how it ended.
#[derive(Debug, sqlx::FromRow)]
pub struct SaleRow {
    pub id: String,
    pub status: String,
    pub total: i64,
    pub currency: String,
    pub created_at: i64,
}

/// Orders created in `[from_ms, to_ms)` that were paid (confirmed, or cancelled after).
pub async fn sales(db: &Db, from_ms: i64, to_ms: i64) -> Result<Vec<SaleRow>, OrderError> {
    let rows = sqlx::query(
        "SELECT id, status, total, currency, created_at FROM orders WHERE created_at >= ? AND created_at < ? AND status IN ('confirmed', 'cancelling', 'cancelled') ORDER BY created_at",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(SaleRow::from_row)
        .collect::<Result<Vec<_>, _>>()?)
}

/// A product's sales over confirmed orders created in `[from_ms, to_ms)`.
#[derive(Debug, sqlx::FromRow)]
pub struct ProductSales {
    pub product_id: String,
    pub name: String,
    pub currency: String,
    pub quantity: i64,
    pub revenue: i64,
}

/// The best-selling products (by quantity) over confirmed orders created in the range.
pub async fn top_products(
    db: &Db,
    from_ms: i64,
    to_ms: i64,
    limit: u32,
) -> Result<Vec<ProductSales>, OrderError> {
    // Summed in Rust: SUM over integers comes back as DECIMAL on MySQL, which the portable
    // driver does not read.
    let rows = sqlx::query(
        "SELECT l.product_id, l.name, o.currency, l.quantity, l.unit_price FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.created_at >= ? AND o.created_at < ? AND o.status = 'confirmed'",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&db.pool)
    .await?;
    let mut by_product: std::collections::BTreeMap<(String, String), ProductSales> =
        std::collections::BTreeMap::new();
    for row in rows {
        let product_id: String = row.try_get("product_id")?;
        let currency: String = row.try_get("currency")?;
        let quantity: i64 = row.try_get("quantity")?;
        let unit_price: i64 = row.try_get("unit_price")?;
        let entry = by_product
            .entry((product_id.clone(), currency.clone()))
            .or_insert_with(|| ProductSales {
                product_id,
                name: String::new(),
                currency,
                quantity: 0,
                revenue: 0,
            });
        entry.name = row.try_get("name")?;
        entry.quantity += quantity;
        entry.revenue += quantity * unit_price;
    }
    let mut top: Vec<ProductSales> = by_product.into_values().collect();
    top.sort_by(|a, b| {
        b.quantity
            .cmp(&a.quantity)
            .then(b.revenue.cmp(&a.revenue))
            .then(a.product_id.cmp(&b.product_id))
    });
    top.truncate(limit as usize);
    Ok(top)
}
