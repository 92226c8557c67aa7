use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, AppOptions};

#[tokio::test]
async fn internal_paths_are_never_routed() {
    let app = spawn_app().await;
    for path in [
        "/internal",
        "/internal/stock/reserve",
        "/internal/anything/at/all",
        "/api/nope",
        "/api/catalogue",
    ] {
        app.get(path, None).await.assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn security_headers_request_ids_and_the_web_placeholder() {
    let app = spawn_app().await;
    let page = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    for header in [
        "x-content-type-options",
        "x-frame-options",
        "content-security-policy",
        "referrer-policy",
        "x-request-id",
    ] {
        assert!(page.headers().contains_key(header), "missing {header}");
    }
    assert!(page.text().await.unwrap().contains("Wayfare"));
    let api = app
        .http
        .get(app.url("/api/catalog/categories"))
        .header("x-request-id", "req-123")
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-request-id"], "req-123");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app =
        spawn_app_with(AppOptions::default().env("WAYFARE_CORS_ORIGINS", "https://shop.example"))
            .await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/api/catalog/products"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://shop.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let denied = preflight("https://evil.example").await.unwrap();
    assert!(!denied.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn login_is_rate_limited_more_strictly_with_retry_after() {
    let app = spawn_app_with(
        AppOptions::default()
            .env("WAYFARE_RATE_LIMIT_ENABLED", "true")
            .env("WAYFARE_RATE_LIMIT_LOGIN_PER_MINUTE", "3")
            .env("WAYFARE_RATE_LIMIT_LOGIN_BURST", "3"),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.login("someone@example.com", "wrong-password")
                .await
                .status,
            401
        );
    }
    let limited = app.login("someone@example.com", "wrong-password").await;
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    // Other routes are not affected by the login bucket.
    assert_eq!(app.get("/api/catalog/categories", None).await.status, 200);
}

#[tokio::test]
async fn clients_and_users_are_rate_limited() {
    let app = spawn_app_with(
        AppOptions::default()
            .env("WAYFARE_RATE_LIMIT_ENABLED", "true")
            .env("WAYFARE_RATE_LIMIT_PER_CLIENT_PER_SECOND", "0.5")
            .env("WAYFARE_RATE_LIMIT_PER_CLIENT_BURST", "8"),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(app.get("/api/catalog/categories", None).await.status);
    }
    assert!(statuses[..8].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[9], 429, "{statuses:?}");
}

/// A stand-in upstream that records the headers it saw and answers after `delay`.
async fn fake_upstream(delay: Duration) -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = seen.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let recorder = recorder.clone();
        async move {
            recorder.lock().unwrap().push(headers);
            tokio::time::sleep(delay).await;
            axum::Json(json!({"items": [], "next_cursor": null}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn gateway_only(catalog_url: &str) -> AppOptions {
    AppOptions::default()
        .env("WAYFARE_TARGET", "gateway")
        .env("WAYFARE_CATALOG_URL", catalog_url)
        .env("WAYFARE_AUTH_URL", "http://127.0.0.1:1")
        .env("WAYFARE_UPSTREAM_TIMEOUT_MS", "300")
}

#[tokio::test]
async fn request_id_and_trace_context_reach_the_upstream() {
    let (url, seen) = fake_upstream(Duration::ZERO).await;
    let app = spawn_app_with(gateway_only(&url)).await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = app
        .http
        .get(app.url("/api/catalog/products"))
        .header("x-request-id", "trace-me-1")
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = seen.lock().unwrap();
    let headers = seen.last().expect("upstream was called");
    assert_eq!(headers["x-request-id"], "trace-me-1");
    let traceparent = headers["traceparent"].to_str().unwrap();
    assert!(
        traceparent.contains(trace_id),
        "same trace continues: {traceparent}"
    );
    assert!(
        !traceparent.contains("00f067aa0ba902b7"),
        "with the gateway's own span as parent"
    );
}

#[tokio::test]
async fn a_slow_upstream_is_a_fast_504() {
    let (url, _) = fake_upstream(Duration::from_secs(10)).await;
    let app = spawn_app_with(gateway_only(&url)).await;
    let started = Instant::now();
    let reply = app.get("/api/catalog/products", None).await;
    reply.assert_problem(504, "gateway_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_down_upstream_is_a_fast_503_and_trips_the_breaker() {
    let app = spawn_app_with(gateway_only("http://127.0.0.1:1")).await;
    let started = Instant::now();
    for _ in 0..8 {
        let reply = app.get("/api/catalog/products", None).await;
        reply.assert_problem(503, "service_unavailable");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    // With auth down, a request carrying a token cannot be verified: 503, not a hang or a 500.
    let reply = app.get("/api/catalog/products", Some("a.b.c")).await;
    assert!(
        reply.status == 401 || reply.status == 503,
        "{}",
        reply.status
    );
}

#[tokio::test]
async fn the_gateway_serves_the_merged_openapi_document() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc.body["paths"].as_object().unwrap();
    for path in [
        "/api/auth/signup",
        "/api/auth/login",
        "/api/auth/me",
        "/api/catalog/products",
        "/api/catalog/products/{id}",
        "/api/cart/items/{product_id}",
        "/api/orders",
        "/api/orders/{id}/cancel",
        "/api/payments/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} documented");
    }
    assert!(
        paths.keys().all(|p| !p.starts_with("/internal")),
        "internal APIs stay out of the public document"
    );
    for schema in [
        "Problem",
        "Product",
        "OrderView",
        "CheckoutRequest",
        "TokenPair",
    ] {
        assert!(
            doc.body["components"]["schemas"].get(schema).is_some(),
            "{schema} schema"
        );
    }
    assert!(doc.body["components"]["securitySchemes"]
        .get("bearer")
        .is_some());
    assert!(
        doc.body["info"].get("x-unavailable-services").is_none(),
        "{}",
        doc.body["info"]
    );
}

#[tokio::test]
async fn framework_errors_are_problems_too() {
    let app = spawn_app().await;
    let user = app.customer().await;
    // A query that does not parse (limit is a number), and a wrong method.
    app.get("/api/orders?limit=many", Some(&user.access))
        .await
        .assert_problem(400, "bad_request");
    let wrong_method = app
        .send_json(
            reqwest::Method::DELETE,
            "/api/catalog/categories",
            &serde_json::json!({}),
            None,
        )
        .await;
    wrong_method.assert_problem(405, "method_not_allowed");
}
