use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{
    backend, binary, eventually_status, spawn_app, spawn_app_with, start_serving, AppOptions,
    Backend,
};

#[tokio::test]
async fn a_database_outage_is_a_503_within_a_second_and_over_within_seconds_of_its_end() {
    if backend() != Backend::MySql {
        // An embedded SQLite file cannot become unreachable; this runs in the MariaDB pass.
        return;
    }
    let app = spawn_app_with(AppOptions {
        database_proxy: true,
        ..Default::default()
    })
    .await;
    let customer = app.customer().await;
    let token = Some(customer.access.as_str());
    let needs_the_database = [
        "/api/orders?limit=1",
        "/api/catalog/products?limit=2&sort=price_desc",
    ];
    for path in needs_the_database {
        assert_eq!(app.get(path, token).await.status, 200, "{path}");
    }
    assert_eq!(app.get("/readyz", None).await.status, 200);
    let proxy = app.db_proxy.as_ref().unwrap();
    // Open connections are reset and new ones refused, as when the database goes away.
    proxy.take_down();
    let outage = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut unavailable = 0;
    while outage.elapsed() < Duration::from_secs(3) {
        for path in needs_the_database {
            let started = Instant::now();
            let reply = app.get(path, token).await;
            slowest = slowest.max(started.elapsed());
            match reply.status {
                200 => {}
                503 => {
                    reply.assert_problem(503, "service_unavailable");
                    unavailable += 1;
                }
                other => panic!("{path} answered {other} during the outage: {}", reply.body),
            }
        }
    }
    assert!(unavailable > 0, "the outage was noticed");
    assert!(
        slowest < Duration::from_secs(1),
        "every request during the outage answered within a second (slowest {slowest:?})"
    );
    assert_eq!(
        app.get("/readyz", None).await.status,
        503,
        "not ready meanwhile"
    );

    proxy.bring_up();
    let back = Instant::now();
    assert!(
        eventually_status(&app, "/readyz", 200, Duration::from_secs(5)).await,
        "ready again within 5 s, without a restart"
    );
    for path in needs_the_database {
        while app.get(path, token).await.status != 200 {
            assert!(
                back.elapsed() < Duration::from_secs(5),
                "{path} answers again within 5 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn reads_are_served_from_the_database_when_redis_goes_away() {
    let app = spawn_app_with(AppOptions {
        redis_proxy: true,
        ..Default::default()
    })
    .await;
    let product = app.first_product().await;
    let path = format!("/api/catalog/products/{}", product["id"].as_str().unwrap());
    assert_eq!(app.get(&path, None).await.status, 200, "fills the cache");
    app.redis_proxy.as_ref().unwrap().take_down();
    for _ in 0..5 {
        let started = Instant::now();
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, product);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    assert_eq!(
        app.get("/api/catalog/products?limit=5", None).await.status,
        200
    );
    assert_eq!(
        app.get("/readyz", None).await.status,
        200,
        "the cache is not a readiness dependency"
    );
    let admin = app.admin().await;
    let changed = app
        .send_json(
            reqwest::Method::PUT,
            &format!("{path}/stock"),
            &serde_json::json!({"stock": 7}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(changed.status, 200, "writes work without the cache");
    assert_eq!(app.get(&path, None).await.body["stock"], 7);
}

#[tokio::test]
async fn cart_writes_while_redis_is_away_are_a_503_and_the_cart_survives_them() {
    // Redis is the cart's only home: a write it did not take must not answer 200, and a
    // write must not start from an "empty" cart that was only unreadable.
    let app = spawn_app_with(AppOptions {
        redis_proxy: true,
        ..Default::default()
    })
    .await;
    let customer = app.customer().await;
    let token = Some(customer.access.as_str());
    let products = app.get("/api/catalog/products?limit=2", None).await.body["items"]
        .as_array()
        .unwrap()
        .clone();
    let item = |p: &serde_json::Value| format!("/api/cart/items/{}", p["id"].as_str().unwrap());
    let app = &app;
    let put = |path: String| async move {
        app.send_json(
            reqwest::Method::PUT,
            &path,
            &serde_json::json!({"quantity": 2}),
            token,
        )
        .await
    };
    assert_eq!(put(item(&products[0])).await.status, 200);

    app.redis_proxy.as_ref().unwrap().take_down();
    let refused = put(item(&products[1])).await;
    refused.assert_problem(503, "service_unavailable");
    let reply = app
        .send_json(
            reqwest::Method::DELETE,
            "/api/cart",
            &serde_json::json!({}),
            token,
        )
        .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(
        app.get("/api/cart", token).await.status,
        200,
        "reading the cart still answers"
    );

    app.redis_proxy.as_ref().unwrap().bring_up();
    let mut cart = app.get("/api/cart", token).await;
    for _ in 0..50 {
        if cart.status == 200 && !cart.body["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        cart = app.get("/api/cart", token).await;
    }
    let lines = cart.body["items"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        1,
        "the first product only, as before the outage: {}",
        cart.body
    );
    assert_eq!(lines[0]["product_id"], products[0]["id"]);
}

#[tokio::test]
async fn unreachable_redis_url_still_serves() {
    let app =
        spawn_app_with(AppOptions::default().env("WAYFARE_REDIS_URL", "redis://127.0.0.1:1")).await;
    assert_eq!(app.get("/readyz", None).await.status, 200);
    let product = app.first_product().await;
    let reply = app
        .get(
            &format!("/api/catalog/products/{}", product["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_service_route_method_and_status() {
    let app = spawn_app().await;
    app.get("/api/catalog/categories", None).await;
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains(r#"route="/api/catalog/categories""#));
    assert!(text.contains(r#"service="catalog""#));
    assert!(text.contains(r#"service="gateway""#));
    assert!(text.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn shutdown_reports_not_ready_then_stops() {
    let app = spawn_app_with(AppOptions::default().env("WAYFARE_DRAIN_DELAY_SECONDS", "1")).await;
    let base = app.base.clone();
    let ops = app.ops.clone();
    let http = app.http.clone();
    let stopping = tokio::spawn(app.shutdown());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let during = http.get(format!("{ops}/readyz")).send().await.unwrap();
    assert_eq!(during.status(), 503, "not ready while draining");
    let still_serving = http
        .get(format!("{base}/api/catalog/categories"))
        .send()
        .await
        .unwrap();
    assert_eq!(still_serving.status(), 200, "still serving while draining");
    stopping.await.unwrap();
    assert!(
        http.get(format!("{ops}/healthz")).send().await.is_err(),
        "stopped"
    );
}

#[test]
fn invalid_configuration_exits_64_naming_the_setting() {
    for (name, value) in [
        ("WAYFARE_LISTEN", "not-an-address"),
        ("WAYFARE_TARGET", "teleporter"),
        ("WAYFARE_DATABASE_URL", "postgres://x/y"),
    ] {
        let output = binary().args(["serve"]).env(name, value).output().unwrap();
        assert_eq!(output.status.code(), Some(64), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(name), "{stderr}");
    }
}

/// The real binary, a real SIGTERM, and a request whose body is still arriving when the
/// signal lands: it must complete with its normal answer.
#[test]
fn a_request_in_flight_when_sigterm_arrives_completes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start_serving(
        binary()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("WAYFARE_DRAIN_DELAY_SECONDS", "0")
            .env("WAYFARE_LOG_FORMAT", "json")
            .stderr(Stdio::null()),
    );

    let body =
        br#"{"email":"inflight@example.com","password":"a-good-password","name":"In Flight"}"#;
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(stream, "POST /api/auth/signup HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    stream.write_all(&body[..10]).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "new connections are refused once stopping"
    );

    stream.write_all(&body[10..]).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.starts_with("HTTP/1.1 201"),
        "in-flight request completed: {response}"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "process did not exit");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "clean exit: {exit:?}");
}

#[tokio::test]
async fn healthz_is_alive_and_readyz_lists_every_service_database() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.status, 200);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 200);
    let names: Vec<&str> = ready.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"auth-database") && names.contains(&"catalog-database"),
        "{names:?}"
    );
}
