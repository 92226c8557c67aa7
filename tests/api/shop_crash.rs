//! Crash mid-saga: the real binary is killed (a test-only fault point aborts the process)
//! between reserve and charge, and between charge and confirm. After a restart the reconciler
//! must leave no stock leaked, no charge without a confirmed order, no order stuck pending.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{binary, mint_token, redis_url, start_serving, TestDatabase};

struct Running {
    child: Child,
    base: String,
}

fn start(
    dir: &std::path::Path,
    db: &TestDatabase,
    namespace: &str,
    extra: &[(&str, &str)],
) -> Running {
    let mut cmd = binary();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("WAYFARE_LOG_FORMAT", "json")
        .env("WAYFARE_LOG", "warn")
        .env("WAYFARE_DRAIN_DELAY_SECONDS", "0")
        .env("WAYFARE_RATE_LIMIT_ENABLED", "false")
        .env("WAYFARE_CACHE_NAMESPACE", namespace)
        .stderr(Stdio::null());
    if let Some(url) = &db.url {
        cmd.env("WAYFARE_DATABASE_URL", url)
            .env("WAYFARE_SEED_DEMO_DATA", "true")
            .env("WAYFARE_REDIS_URL", redis_url());
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let (child, addr) = start_serving(&mut cmd);
    Running {
        child,
        base: format!("http://{addr}"),
    }
}

async fn json_get(http: &reqwest::Client, url: String, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn crash_and_recover(point: &str) -> (Value, i64, i64, Value) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create().await;
    let namespace = format!("crash-{}", uuid::Uuid::new_v4().simple());
    let http = reqwest::Client::new();

    let first = start(
        dir.path(),
        &db,
        &namespace,
        // A short reconcile interval here too: the reconciler's lease lives three intervals, and
        // the dead process's lease must not outlast the restarted one's deadline. (The long
        // `after` keeps this process's reconciler off the order before it crashes.)
        &[
            ("WAYFARE_FAULT_INJECT", point),
            ("WAYFARE_RECONCILE_INTERVAL_MS", "200"),
            ("WAYFARE_RECONCILE_AFTER_MS", "600000"),
        ],
    );
    let page: Value = http
        .get(format!("{}/api/catalog/products?limit=1", first.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let product = page["items"][0].clone();
    let product_id = product["id"].as_str().unwrap().to_string();
    let stock_before = product["stock"].as_i64().unwrap();
    let token = mint_token(dir.path(), &uuid::Uuid::new_v4().to_string());
    let body = json!({"payment_method": "pm_card_ok", "items": [{"product_id": product_id, "quantity": 1}]});
    let outcome = http
        .post(format!("{}/api/orders", first.base))
        .bearer_auth(&token)
        .header("idempotency-key", "crash")
        .json(&body)
        .send()
        .await;
    assert!(
        outcome.is_err() || outcome.unwrap().status().is_server_error(),
        "the process died mid-checkout"
    );
    let mut first = first;
    let status = first.child.wait().unwrap();
    assert!(!status.success(), "aborted at {point}");

    let mut second = start(
        dir.path(),
        &db,
        &namespace,
        &[
            ("WAYFARE_RECONCILE_INTERVAL_MS", "200"),
            ("WAYFARE_RECONCILE_AFTER_MS", "500"),
            ("WAYFARE_PROVIDER_TIMEOUT_MS", "1000"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let order = loop {
        let orders = json_get(&http, format!("{}/api/orders", second.base), &token).await;
        let items = orders["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "the order survived the crash: {orders}");
        if items[0]["status"] != "pending" {
            break items[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "order stuck pending: {}",
            items[0]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let product_after: Value = http
        .get(format!("{}/api/catalog/products/{product_id}", second.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payment = match order["payment_id"].as_str() {
        Some(id) => json_get(&http, format!("{}/api/payments/{id}", second.base), &token).await,
        None => Value::Null,
    };
    let _ = Command::new("kill")
        .args(["-TERM", &second.child.id().to_string()])
        .status();
    let _ = second.child.wait();
    (
        order,
        stock_before,
        product_after["stock"].as_i64().unwrap(),
        payment,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_reserve_and_charge_returns_the_stock_and_charges_nothing() {
    let (order, before, after, payment) = crash_and_recover("after_reserve").await;
    assert_eq!(order["status"], "failed", "{order}");
    assert_eq!(order["failure_reason"], "checkout_interrupted");
    assert_eq!(after, before, "no stock leaked");
    assert!(payment.is_null(), "no charge: {payment}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_charge_and_confirm_confirms_the_paid_order() {
    let (order, before, after, payment) = crash_and_recover("after_charge").await;
    assert_eq!(order["status"], "confirmed", "{order}");
    assert_eq!(after, before - 1, "the sale stands");
    assert_eq!(payment["status"], "succeeded", "{payment}");
    assert_eq!(payment["order_id"], order["id"]);
}
