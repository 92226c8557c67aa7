//! The limit: the SQL statements one successful checkout makes (order + lines, reservation,
//! payment record and result, commit, confirm), issued straight at MariaDB by C workers for D
//! seconds with no HTTP, no services and no JSON in between. Run it against a database that
//! `wayfare migrate` prepared, with the product to buy. Prints one JSON line.

use std::time::{Duration, Instant};

use clap::Parser;
use sqlx::mysql::MySqlPoolOptions;
use sqlx::MySqlPool;
use wayfare_bench::Recorder;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    product: String,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 15)]
    seconds: u64,
}

fn now() -> i64 {
    wayfare_chassis::db::now_ms()
}

async fn one_checkout(pool: &MySqlPool, product: &str, user: &str) -> anyhow::Result<()> {
    let order = uuid::Uuid::now_v7().to_string();
    let key = uuid::Uuid::new_v4().to_string();
    let t = now();
    // order service: the pending order and its line (one transaction); the product snapshot
    // read mirrors catalog's GET (a primary-key read).
    sqlx::query("SELECT id, name, price, currency, stock, active FROM products WHERE id = ?")
        .bind(product)
        .fetch_one(pool)
        .await?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO orders (id, user_id, idempotency_key, request_hash, status, failure_reason, total, currency, payment_method, payment_id, from_cart, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', NULL, 100, 'USD', 'pm_card_ok', NULL, 0, ?, ?)")
        .bind(&order).bind(user).bind(&key).bind("0".repeat(64)).bind(t).bind(t).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity) VALUES (?, ?, 'x', 100, 1)")
        .bind(&order).bind(product).execute(&mut *tx).await?;
    tx.commit().await?;
    // catalog: idempotency check, conditional decrement and the hold (one transaction).
    sqlx::query("SELECT product_id FROM stock_reservations WHERE order_id = ?")
        .bind(&order)
        .fetch_all(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let taken = sqlx::query("UPDATE products SET stock = stock - 1, updated_at = ? WHERE id = ? AND active = 1 AND stock >= 1")
        .bind(t).bind(product).execute(&mut *tx).await?;
    anyhow::ensure!(taken.rows_affected() == 1, "out of stock");
    sqlx::query("INSERT INTO stock_reservations (order_id, product_id, quantity, status, expires_at, created_at, updated_at) VALUES (?, ?, 1, 'held', ?, ?, ?)")
        .bind(&order).bind(product).bind(t + 900_000).bind(t).bind(t).execute(&mut *tx).await?;
    tx.commit().await?;
    // payment: the processing row under the key, then its result.
    let payment = uuid::Uuid::now_v7().to_string();
    sqlx::query("INSERT INTO payments (id, idempotency_key, request_hash, user_id, order_id, amount, currency, method, status, failure_code, provider_ref, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 100, 'USD', 'pm_card_ok', 'processing', NULL, NULL, ?, ?)")
        .bind(&payment).bind(&order).bind("0".repeat(64)).bind(user).bind(&order).bind(t).bind(t).execute(pool).await?;
    sqlx::query("UPDATE payments SET status = 'succeeded', failure_code = NULL, provider_ref = 'ref', updated_at = ? WHERE id = ? AND status = 'processing'")
        .bind(now()).bind(&payment).execute(pool).await?;
    sqlx::query("SELECT id, status FROM payments WHERE id = ?")
        .bind(&payment)
        .fetch_one(pool)
        .await?;
    // catalog commit, then the order is confirmed and read back.
    sqlx::query("UPDATE stock_reservations SET status = 'committed', updated_at = ? WHERE order_id = ? AND status = 'held'")
        .bind(now()).bind(&order).execute(pool).await?;
    sqlx::query("SELECT product_id, quantity, status, expires_at FROM stock_reservations WHERE order_id = ?").bind(&order).fetch_all(pool).await?;
    sqlx::query("UPDATE orders SET status = 'confirmed', payment_id = ?, updated_at = ? WHERE id = ? AND status = 'pending'")
        .bind(&payment).bind(now()).bind(&order).execute(pool).await?;
    sqlx::query("SELECT id, status FROM orders WHERE id = ?")
        .bind(&order)
        .fetch_one(pool)
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = MySqlPoolOptions::new()
        .max_connections(args.concurrency as u32 + 4)
        .connect(&args.database_url)
        .await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let workers = (0..args.concurrency).map(|w| {
        let pool = pool.clone();
        let product = args.product.clone();
        async move {
            let user = format!("sql-{w}");
            let mut recorder = Recorder::default();
            while Instant::now() < deadline {
                let t = Instant::now();
                let status = if one_checkout(&pool, &product, &user).await.is_ok() {
                    201
                } else {
                    500
                };
                recorder.record(status, t.elapsed());
            }
            recorder
        }
    });
    let mut total = Recorder::default();
    for recorder in futures::future::join_all(workers).await {
        total.merge(recorder);
    }
    println!("{}", total.report("direct_sql", started.elapsed()));
    Ok(())
}
