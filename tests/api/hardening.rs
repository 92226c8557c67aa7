//! Regression tests for the hardening issue: each one failed on the code before it.

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, AppOptions, TestApp};

/// Sends `raw` as is (no client-side path normalisation) and returns the whole answer.
fn raw_http(app: &TestApp, raw: &str) -> String {
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn get_raw(app: &TestApp, path: &str) -> String {
    raw_http(
        app,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn dot_segments_never_reach_internal_or_operational_endpoints() {
    let app = spawn_app().await;
    for path in [
        "/api/catalog/../../internal/reservations",
        "/api/catalog/%2e%2e/%2e%2e/metrics",
        "/api/catalog/%2E%2E/%2E%2E/internal/reservations",
        "/api/orders/../../readyz",
        "/api/orders/../catalog/products",
    ] {
        let answer = tokio::task::block_in_place(|| get_raw(&app, path));
        assert!(
            answer.starts_with("HTTP/1.1 400"),
            "{path}: {}",
            answer.lines().next().unwrap_or("")
        );
        assert!(answer.contains("application/problem+json"), "{answer}");
    }
    // Harmless dot-segments inside one API are normalised and served.
    let product = app.first_product().await;
    let id = product["id"].as_str().unwrap();
    let answer =
        tokio::task::block_in_place(|| get_raw(&app, &format!("/api/catalog/products/x/../{id}")));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn operational_endpoints_are_only_on_the_operational_port() {
    let app = spawn_app().await;
    for path in ["/metrics", "/readyz", "/healthz"] {
        let public = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 404, "{path} on the public port");
        assert_eq!(app.get(path, None).await.status, 200, "{path} on ops");
    }
}

#[tokio::test]
async fn bad_product_ids_are_client_errors_and_never_open_a_breaker() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let long = "x".repeat(70_000);
    for bad in ["..%2F..%2Finternal%2Freservations", long.as_str()] {
        for _ in 0..6 {
            let reply = app
                .checkout(
                    &user.access,
                    &uuid::Uuid::new_v4().to_string(),
                    &json!({"payment_method": "pm_card_ok", "items": [{"product_id": bad, "quantity": 1}]}),
                )
                .await;
            assert_eq!(reply.status, 422, "{}", reply.body);
            assert_eq!(reply.body["field"], "product_id");
        }
    }
    for _ in 0..6 {
        let reply = app
            .send_json(
                reqwest::Method::PUT,
                "/api/cart/items/..%2F..%2Finternal%2Fx",
                &json!({"quantity": 1}),
                Some(&user.access),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
    }
    // Everyone else is still served: no breaker opened.
    let product = app.product_with_stock(5, 100).await;
    let reply = app
        .checkout(
            &user.access,
            "after-bad-input",
            &json!({"payment_method": "pm_card_ok", "items": [{"product_id": product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(app.get("/api/cart", Some(&user.access)).await.status, 200);
}

#[tokio::test]
async fn a_replayed_cart_checkout_returns_the_first_order() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(10, 250).await;
    let other = app.product_with_stock(10, 300).await;
    let put = |id: String| {
        let app = &app;
        let token = user.access.clone();
        async move {
            app.send_json(
                reqwest::Method::PUT,
                &format!("/api/cart/items/{id}"),
                &json!({"quantity": 2}),
                Some(&token),
            )
            .await
        }
    };
    assert_eq!(put(product.clone()).await.status, 200);
    let body = json!({"payment_method": "pm_card_ok"});
    let first = app.checkout(&user.access, "cart-retry", &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    // The cart is empty now: the retry must still get the first order.
    let again = app.checkout(&user.access, "cart-retry", &body).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);
    // Other items in the cart since: still the first order, not a conflict.
    assert_eq!(put(other).await.status, 200);
    let third = app.checkout(&user.access, "cart-retry", &body).await;
    assert_eq!(third.status, 201, "{}", third.body);
    assert_eq!(third.body["id"], first.body["id"]);
    assert_eq!(app.stock(&product).await, 8, "charged and reserved once");
    // The same key with another body is still refused.
    let different = app
        .checkout(
            &user.access,
            "cart-retry",
            &json!({"payment_method": "pm_card_visa"}),
        )
        .await;
    different.assert_problem(409, "idempotency_key_reused");
}

#[tokio::test]
async fn a_price_raised_after_the_cart_is_not_charged_without_asking() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let admin = app.admin().await;
    let product = app.product_with_stock(10, 1000).await;
    let added = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/cart/items/{product}"),
            &json!({"quantity": 1}),
            Some(&user.access),
        )
        .await;
    assert_eq!(added.body["total"], 1000);
    let raised = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/catalog/products/{product}"),
            &json!({"price": 1500}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(raised.status, 200, "{}", raised.body);
    let cart = app.get("/api/cart", Some(&user.access)).await;
    assert_eq!(cart.body["price_changed"], true);
    let refused = app
        .checkout(&user.access, "k1", &json!({"payment_method": "pm_card_ok"}))
        .await;
    refused.assert_problem(409, "price_changed");
    assert_eq!(app.stock(&product).await, 10, "nothing reserved");
    let stale = app
        .checkout(
            &user.access,
            "k2",
            &json!({"payment_method": "pm_card_ok", "expected_total": 1000}),
        )
        .await;
    stale.assert_problem(409, "price_changed");
    let confirmed = app
        .checkout(
            &user.access,
            "k3",
            &json!({"payment_method": "pm_card_ok", "expected_total": 1500}),
        )
        .await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    assert_eq!(confirmed.body["total"], 1500);
}

#[tokio::test]
async fn a_checkout_is_capped_in_lines() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let items: Vec<_> = (0..51)
        .map(|i| json!({"product_id": format!("p-{i}"), "quantity": 1}))
        .collect();
    let reply = app
        .checkout(
            &user.access,
            "many",
            &json!({"payment_method": "pm_card_ok", "items": items}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["field"], "items");
}

#[tokio::test]
async fn free_products_can_be_bought_and_unknown_currencies_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bad = app
        .post(
            "/api/catalog/products",
            &json!({"sku": "ZZZ-1", "name": "Funny money", "price": 100, "currency": "ZZZ", "stock": 1, "category": "books"}),
            Some(&admin.access),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["field"], "currency");
    let free = app.product_with_stock(3, 0).await;
    let user = app.customer().await;
    let reply = app
        .checkout(
            &user.access,
            "free",
            &json!({"payment_method": "pm_card_ok", "items": [{"product_id": free, "quantity": 1}]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "confirmed");
    assert_eq!(app.stock(&free).await, 2);
}

#[tokio::test]
async fn a_mixed_currency_cart_shows_one_total_per_currency() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.customer().await;
    let usd = app.product_with_stock(5, 500).await;
    let eur = app
        .post(
            "/api/catalog/products",
            &json!({"sku": "EUR-1", "name": "Euro thing", "price": 700, "currency": "EUR", "stock": 5, "category": "books"}),
            Some(&admin.access),
        )
        .await;
    let eur = eur.body["id"].as_str().unwrap().to_string();
    for id in [&usd, &eur] {
        app.send_json(
            reqwest::Method::PUT,
            &format!("/api/cart/items/{id}"),
            &json!({"quantity": 1}),
            Some(&user.access),
        )
        .await;
    }
    let cart = app.get("/api/cart", Some(&user.access)).await;
    assert_eq!(cart.body["total"], serde_json::Value::Null, "{}", cart.body);
    assert_eq!(
        cart.body["totals"],
        json!([{"currency": "EUR", "total": 700}, {"currency": "USD", "total": 500}])
    );
}

#[tokio::test]
async fn repeated_wrong_passwords_slow_down_that_account_from_any_address() {
    let app = spawn_app_with(AppOptions::default().env("WAYFARE_LOGIN_FREE_FAILURES", "3")).await;
    assert_eq!(
        app.signup("target@example.com", "a-good-password")
            .await
            .status,
        201
    );
    for _ in 0..3 {
        app.login("target@example.com", "not-the-password")
            .await
            .assert_problem(401, "unauthorized");
    }
    let throttled = app.login("target@example.com", "a-good-password").await;
    throttled.assert_problem(429, "rate_limited");
    assert!(throttled.headers.contains_key("retry-after"));
    // Another account is not affected.
    assert_eq!(
        app.signup("other@example.com", "a-good-password")
            .await
            .status,
        201
    );
    assert_eq!(
        app.login("other@example.com", "a-good-password")
            .await
            .status,
        200
    );
    // After the backoff, the right password works and clears the count.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let ok = app.login("target@example.com", "a-good-password").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn weak_passwords_are_refused() {
    let app = spawn_app().await;
    for weak in [
        "1234567890",
        "          ",
        "password123",
        "abc\u{200b}defghijkl",
    ] {
        let reply = app.signup("weak@example.com", weak).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["field"], "password");
    }
}

#[tokio::test]
async fn signups_are_throttled_per_address() {
    let app = spawn_app_with(
        AppOptions::default()
            .env("WAYFARE_RATE_LIMIT_ENABLED", "true")
            .env("WAYFARE_RATE_LIMIT_SIGNUP_BURST", "2"),
    )
    .await;
    assert_eq!(
        app.signup("first@example.com", "a-good-password")
            .await
            .status,
        201
    );
    assert_eq!(
        app.signup("second@example.com", "a-good-password")
            .await
            .status,
        201
    );
    let reply = app.signup("third@example.com", "a-good-password").await;
    reply.assert_problem(429, "rate_limited");
}

#[tokio::test]
async fn logout_ends_the_access_token_too() {
    let app = spawn_app().await;
    assert_eq!(
        app.signup("leaver@example.com", "a-good-password")
            .await
            .status,
        201
    );
    let tokens = app.login("leaver@example.com", "a-good-password").await;
    let access = tokens.body["access_token"].as_str().unwrap().to_string();
    let refresh = tokens.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/auth/me", Some(&access)).await.status, 200);
    assert_eq!(app.get("/api/orders", Some(&access)).await.status, 200);
    let out = app
        .post("/api/auth/logout", &json!({"refresh_token": refresh}), None)
        .await;
    assert_eq!(out.status, 204);
    app.get("/api/auth/me", Some(&access))
        .await
        .assert_problem(401, "unauthorized");
    app.get("/api/orders", Some(&access))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_header_sender_is_disconnected() {
    let app =
        spawn_app_with(AppOptions::default().env("WAYFARE_HEADER_READ_TIMEOUT_MS", "500")).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let closed = tokio::task::block_in_place(|| {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /api/catalog/categories HTTP/1.1\r\nHo")
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 512];
        let outcome = stream.read(&mut buf);
        (outcome, started.elapsed())
    });
    match closed.0 {
        Ok(_) | Err(_) => assert!(
            closed.1 < Duration::from_secs(3),
            "the server cut the connection after its header timeout"
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_problem_json() {
    let app = spawn_app().await;
    let no_host = tokio::task::block_in_place(|| {
        raw_http(
            &app,
            "GET /api/catalog/categories HTTP/1.1\r\nConnection: close\r\n\r\n",
        )
    });
    assert!(no_host.starts_with("HTTP/1.1 400"), "{no_host}");
    assert!(no_host.contains("application/problem+json"));
    let long = format!("/api/catalog/products?q={}", "a".repeat(9000));
    let too_long = app.get(&long, None).await;
    too_long.assert_problem(414, "uri_too_long");
    let big_header = app
        .http
        .get(app.url("/api/catalog/categories"))
        .header("x-padding", "p".repeat(40_000))
        .send()
        .await
        .unwrap();
    assert_eq!(big_header.status(), 431);
    let form = app
        .post_raw(
            "/api/auth/signup",
            "email=a@b.c",
            "application/x-www-form-urlencoded",
        )
        .await;
    form.assert_problem(415, "unsupported_media_type");
    let trailing = app
        .post_raw(
            "/api/auth/login",
            r#"{"email":"a@example.com","password":"x"} {"more":1}"#,
            "application/json",
        )
        .await;
    trailing.assert_problem(400, "bad_request");
}

#[tokio::test]
async fn an_oversized_body_gets_its_413_with_security_headers() {
    let app = spawn_app_with(AppOptions::default().env("WAYFARE_BODY_LIMIT_BYTES", "1024")).await;
    let response = app
        .http
        .post(app.url("/api/auth/signup"))
        .header("content-type", "application/json")
        .body(vec![b'x'; 4 * 1024 * 1024])
        .send()
        .await
        .expect("the client sees an answer, not a broken pipe");
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn upstream_failures_do_not_leak_internal_details() {
    let app = spawn_app_with(
        AppOptions::default()
            .env("WAYFARE_TARGET", "gateway")
            .env("WAYFARE_CATALOG_URL", "http://127.0.0.1:1")
            .env("WAYFARE_AUTH_URL", "http://127.0.0.1:1"),
    )
    .await;
    let reply = app.get("/api/catalog/products", None).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    let detail = reply.body["detail"].as_str().unwrap();
    for secret in ["127.0.0.1", "catalog", "refused", "Uri"] {
        assert!(!detail.contains(secret), "{detail}");
    }
}

#[tokio::test]
async fn with_default_timeouts_a_silent_provider_leaves_the_order_pending() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(3, 400).await;
    let reply = app
        .checkout(
            &user.access,
            "silent",
            &json!({"payment_method": "pm_card_timeout", "items": [{"product_id": product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["status"], "pending");
}

#[tokio::test]
async fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    app.customer().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&app.data_dir), 0o700);
    for entry in std::fs::read_dir(&app.data_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "service-key" || name.ends_with(".db") || name.ends_with(".pem") {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
}

#[tokio::test]
async fn a_concurrent_reuse_of_a_refresh_token_leaves_no_token_of_the_family_alive() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let tokens = app.customer().await;
        let body = json!({"refresh_token": tokens.refresh});
        let (a, b) = tokio::join!(
            app.post("/api/auth/refresh", &body, None),
            app.post("/api/auth/refresh", &body, None)
        );
        // At most one rotation wins; whatever it minted dies with the revoked family.
        for winner in [a, b].into_iter().filter(|r| r.status == 200) {
            let next = winner.body["refresh_token"].as_str().unwrap().to_string();
            let used = app
                .post("/api/auth/refresh", &json!({"refresh_token": next}), None)
                .await;
            used.assert_problem(401, "unauthorized");
        }
    }
}

/// Calls payment's internal API directly, signed as order with the platform's service key.
async fn internal_refund(app: &TestApp, key: &str, payment_id: &str) -> u16 {
    let service_key = std::fs::read_to_string(app.data_dir.join("service-key")).unwrap();
    let identity =
        wayfare_chassis::identity::ServiceIdentity::new("order", service_key.trim().as_bytes());
    let payment = app
        .service_addrs
        .iter()
        .find(|(name, _)| *name == "payment")
        .unwrap()
        .1;
    app.http
        .post(format!("http://{payment}/internal/refunds"))
        .header("x-wayfare-service-token", identity.token_for("payment"))
        .header("idempotency-key", key)
        .json(&json!({"payment_id": payment_id}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn concurrent_refunds_reach_the_provider_once() {
    let app = spawn_app().await;
    if !app.data_dir.join("service-key").exists() {
        return; // keyed by WAYFARE_SERVICE_KEY in this configuration
    }
    let user = app.customer().await;
    let product = app.product_with_stock(5, 700).await;
    let order = app
        .checkout(
            &user.access,
            "to-refund",
            &json!({"payment_method": "pm_card_ok", "items": [{"product_id": product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.body);
    let payment_id = order.body["payment_id"].as_str().unwrap().to_string();
    let attempts = (0..8).map(|i| {
        let key = format!("refund-race-{i}");
        let app = &app;
        let payment_id = payment_id.clone();
        async move { internal_refund(app, &key, &payment_id).await }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(
        app.count("payment", "SELECT COUNT(*) FROM refunds").await,
        1,
        "one refund recorded"
    );
}

#[tokio::test]
async fn an_admin_email_a_customer_registered_first_is_never_promoted() {
    let app = spawn_app_with(AppOptions::default()).await;
    assert_eq!(
        app.signup("boss@example.com", "a-good-password")
            .await
            .status,
        201
    );
    let data_dir = app.data_dir.clone();
    let db_url = app.db_url.clone();
    // The same data with the admin e-mail now pointing at the customer's account.
    let mut env = std::collections::BTreeMap::new();
    env.insert("WAYFARE_LISTEN".to_string(), "127.0.0.1:0".to_string());
    env.insert("WAYFARE_OPS_LISTEN".to_string(), "127.0.0.1:0".to_string());
    env.insert(
        "WAYFARE_DATA_DIR".to_string(),
        data_dir.display().to_string(),
    );
    env.insert("WAYFARE_TARGET".to_string(), "auth".to_string());
    // auth alone answers admin's internal calls across processes, so it needs the shared key.
    env.insert(
        "WAYFARE_SERVICE_KEY".to_string(),
        "hardening-test-service-key-0123456789".to_string(),
    );
    env.insert(
        "WAYFARE_ADMIN_EMAIL".to_string(),
        "boss@example.com".to_string(),
    );
    env.insert(
        "WAYFARE_ADMIN_PASSWORD".to_string(),
        "another-good-one".to_string(),
    );
    if let Some(url) = db_url {
        env.insert("WAYFARE_DATABASE_URL".to_string(), url);
    }
    let settings =
        wayfare::load_settings(None, &env, &wayfare_chassis::config::Overrides::default()).unwrap();
    let built = wayfare::Platform::build(settings, wayfare::BuildOptions::default()).await;
    let err = built.err().expect("auth refuses to start");
    assert!(format!("{err:#}").contains("already registered"), "{err:#}");
    // And the customer is still a customer.
    let tokens = app.login("boss@example.com", "a-good-password").await;
    let me = app
        .get("/api/auth/me", tokens.body["access_token"].as_str())
        .await;
    assert_eq!(me.body["role"], "customer");
}

#[tokio::test]
async fn tokens_not_yet_valid_or_issued_in_the_future_are_refused() {
    let app = spawn_app().await;
    let pem = std::fs::read_to_string(app.data_dir.join("auth-signing-key.pem")).unwrap();
    let keys = wayfare_auth::domain::keys::SigningKeys::from_pem(&pem).unwrap();
    let now = wayfare_chassis::db::now_ms() / 1000;
    let sign = |extra: serde_json::Value| {
        let mut claims = json!({
            "sub": "u-1", "email": "u@example.com", "role": "customer",
            "iss": "wayfare", "aud": "wayfare-api", "iat": now, "exp": now + 600,
            "jti": "j-1"
        });
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(keys.kid.clone());
        jsonwebtoken::encode(&header, &claims, &keys.encoding).unwrap()
    };
    let valid = sign(json!({}));
    assert_eq!(app.get("/api/orders", Some(&valid)).await.status, 200);
    for bad in [
        sign(json!({"nbf": now + 300})),
        sign(json!({"iat": now + 300})),
    ] {
        app.get("/api/orders", Some(&bad))
            .await
            .assert_problem(401, "unauthorized");
    }
}
