//! The back office end to end, through the gateway of the real platform, on both backends:
//! the admin role on every route (read from the OpenAPI document, so a new route cannot be
//! forgotten), one audit entry per write with its before and after, no lost updates
//! (`If-Match`), flight cancellations that refund each booking once however often they are
//! retried, disabled accounts refused at once, and dashboard figures that add up.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, AppOptions, Reply, TestApp, ADMIN_EMAIL};

/// A request with an optional token and `If-Match`.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut req = app.http.request(method, app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(version) = if_match {
        req = req.header("if-match", version);
    }
    if let Some(body) = body {
        req = req.json(body);
    }
    let response = req.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Reply {
        status,
        headers,
        body,
    }
}

async fn audit(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/admin/audit?limit=100{query}"), Some(admin))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

async fn audit_total(app: &TestApp) -> i64 {
    app.count("admin", "SELECT COUNT(*) FROM admin_audit_log")
        .await
}

async fn create_product(app: &TestApp, admin: &str, stock: i64, price: i64) -> Value {
    let sku = format!("A-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let created = send(
        app,
        reqwest::Method::POST,
        "/api/admin/products",
        Some(admin),
        None,
        Some(&json!({"sku": sku, "name": format!("Admin product {sku}"), "price": price, "currency": "USD", "stock": stock, "category": "books"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body
}

fn etag(reply: &Reply) -> String {
    reply
        .headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_string()
}

#[tokio::test]
async fn every_admin_route_refuses_anonymous_and_customers_and_changes_nothing() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let doc = app.get("/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let products_before = app.count("catalog", "SELECT COUNT(*) FROM products").await;
    let mut checked = 0;
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        if !path.starts_with("/api/admin") {
            continue;
        }
        let concrete = path
            .replace("{id}", "0192f0d4-0000-7000-8000-000000000000")
            .replace(['{', '}'], "");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = json!({"name": "x", "stock": 1, "role": "admin", "disabled": true});
            let anonymous = send(&app, verb.clone(), &concrete, None, None, Some(&body)).await;
            anonymous.assert_problem(401, "unauthorized");
            let refused = send(
                &app,
                verb.clone(),
                &concrete,
                Some(&customer.access),
                None,
                Some(&body),
            )
            .await;
            refused.assert_problem(403, "forbidden");
            checked += 1;
        }
    }
    assert!(checked >= 24, "only {checked} admin operations documented");
    // admin checks the role itself too, not only the gateway.
    let admin_addr = app
        .service_addrs
        .iter()
        .find(|(n, _)| *n == "admin")
        .expect("admin runs")
        .1;
    let direct = app
        .http
        .get(format!("http://{admin_addr}/api/admin/users"))
        .bearer_auth(&customer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 403);
    assert_eq!(audit_total(&app).await, 0);
    assert_eq!(
        app.count("catalog", "SELECT COUNT(*) FROM products").await,
        products_before
    );
}

#[tokio::test]
async fn every_write_leaves_exactly_one_audit_entry_with_its_before_and_after() {
    let app = spawn_app().await;
    let admin = app.admin().await.access;
    let product = create_product(&app, &admin, 5, 1_000).await;
    let id = product["id"].as_str().unwrap();
    let read = send(
        &app,
        reqwest::Method::GET,
        &format!("/api/admin/products/{id}"),
        Some(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let version = etag(&read);

    let renamed = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/products/{id}"),
        Some(&admin),
        Some(&version),
        Some(&json!({"price": 1_500})),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["price"], 1_500);
    let stocked = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/admin/products/{id}/stock"),
        Some(&admin),
        Some(&etag(&renamed)),
        Some(&json!({"stock": 42})),
    )
    .await;
    assert_eq!(stocked.status, 200, "{}", stocked.body);
    assert_eq!(stocked.body["stock"], 42);
    let deactivated = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/products/{id}"),
        Some(&admin),
        None,
        Some(&json!({"active": false})),
    )
    .await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    // An inactive product is gone from the shop but still in the back office.
    assert_eq!(
        app.get(&format!("/api/catalog/products/{id}"), None)
            .await
            .status,
        404
    );
    let listed = app
        .get("/api/admin/products?active=false&limit=100", Some(&admin))
        .await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id),
        "{}",
        listed.body
    );

    let entries = audit(&app, &admin, &format!("&target=product:{id}")).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "product.update",
            "product.stock",
            "product.update",
            "product.create"
        ]
    );
    assert_eq!(entries[0]["before"]["active"], true);
    assert_eq!(entries[0]["after"]["active"], false);
    let first_update = &entries[2];
    assert_eq!(first_update["before"]["price"], 1_000);
    assert_eq!(first_update["after"]["price"], 1_500);
    assert_eq!(entries[1]["before"]["stock"], 5);
    assert_eq!(entries[1]["after"]["stock"], 42);
    assert_eq!(entries[3]["before"], Value::Null);
    assert_eq!(entries[3]["after"]["id"], id);
    for entry in &entries {
        assert_eq!(entry["actor"]["email"], ADMIN_EMAIL);
        assert!(!entry["request_id"].as_str().unwrap().is_empty());
        assert!(!entry["client_ip"].as_str().unwrap().is_empty());
        assert!(entry["at"].is_string());
    }

    // Categories: created and renamed, one entry each.
    let slug = format!("cat-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let category = send(
        &app,
        reqwest::Method::POST,
        "/api/admin/categories",
        Some(&admin),
        None,
        Some(&json!({"id": slug, "name": "Maps"})),
    )
    .await;
    assert_eq!(category.status, 201, "{}", category.body);
    let renamed = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/categories/{slug}"),
        Some(&admin),
        None,
        Some(&json!({"name": "Maps and charts"})),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let entries = audit(&app, &admin, &format!("&target=category:{slug}")).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["before"]["name"], "Maps");
    assert_eq!(entries[0]["after"]["name"], "Maps and charts");

    // A refused write (stale version, bad input) changes nothing and records nothing.
    let total = audit_total(&app).await;
    let stale = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/products/{id}"),
        Some(&admin),
        Some(&version),
        Some(&json!({"price": 1})),
    )
    .await;
    stale.assert_problem(412, "version_mismatch");
    let bad = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/admin/products/{id}/stock"),
        Some(&admin),
        None,
        Some(&json!({"stock": -1})),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(audit_total(&app).await, total);

    // Filters, cursor pages and the CSV export.
    let by_action = audit(&app, &admin, "&action=product.stock").await;
    assert!(by_action.iter().all(|e| e["action"] == "product.stock"));
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/admin/audit?limit=2".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path, Some(&admin)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, audit_total(&app).await);
    let future = app
        .get("/api/admin/audit?from=2999-01-01", Some(&admin))
        .await;
    assert_eq!(future.body["items"], json!([]));
    let csv = app
        .get(
            &format!("/api/admin/audit.csv?target=product:{id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    let text = csv.body.as_str().unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.starts_with("at,actor_id,actor_email,action"));

    // Append-only: nothing updates or deletes an entry.
    for method in [
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
    ] {
        let reply = send(
            &app,
            method,
            "/api/admin/audit",
            Some(&admin),
            None,
            Some(&json!({})),
        )
        .await;
        assert!(
            reply.status == 405 || reply.status == 404,
            "{}",
            reply.status
        );
    }
}

#[tokio::test]
async fn two_concurrent_edits_with_the_same_if_match_one_wins_and_the_other_is_412() {
    let app = spawn_app().await;
    let admin = app.admin().await.access;
    let product = create_product(&app, &admin, 5, 1_000).await;
    let id = product["id"].as_str().unwrap().to_string();
    for round in 0..5 {
        let read = send(
            &app,
            reqwest::Method::GET,
            &format!("/api/admin/products/{id}"),
            Some(&admin),
            None,
            None,
        )
        .await;
        let version = etag(&read);
        let path = format!("/api/admin/products/{id}");
        let (first, second) = (
            json!({"price": 2_000 + round}),
            json!({"price": 3_000 + round}),
        );
        let (a, b) = tokio::join!(
            send(
                &app,
                reqwest::Method::PATCH,
                &path,
                Some(&admin),
                Some(&version),
                Some(&first)
            ),
            send(
                &app,
                reqwest::Method::PATCH,
                &path,
                Some(&admin),
                Some(&version),
                Some(&second)
            ),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 412], "{} / {}", a.body, b.body);
        let winner = if a.status == 200 { &a } else { &b };
        let now = app.get(&format!("/api/catalog/products/{id}"), None).await;
        assert_eq!(now.body["price"], winner.body["price"]);
    }
    let updates = audit(
        &app,
        &admin,
        &format!("&target=product:{id}&action=product.update"),
    )
    .await;
    assert_eq!(updates.len(), 5);
}

fn passenger(family: &str) -> Value {
    json!({"type": "adult", "given_name": "Min", "family_name": family, "birth_date": "1990-04-01"})
}

async fn keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Reply {
    let response = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// Creates a flight through the admin API, departing in `days`.
async fn admin_flight(app: &TestApp, admin: &str, number: &str, days: i64) -> String {
    let departure = (Utc::now() + Days::days(days))
        .format("%Y-%m-%dT09:00:00Z")
        .to_string();
    let fares = json!([
        {"cabin": "economy", "basic": 20_000, "standard": 26_000, "flex": 36_000},
        {"cabin": "business", "basic": 90_000, "standard": 110_000, "flex": 150_000}
    ]);
    let created = send(
        app,
        reqwest::Method::POST,
        "/api/admin/flights",
        Some(admin),
        None,
        Some(&json!({"number": number, "origin": "CJU", "destination": "HKG", "departure": departure, "duration_minutes": 200, "aircraft": "A321", "fares": fares})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["id"].as_str().unwrap().to_string()
}

/// Books one economy seat on `flight` (and pays when `pay`); returns the booking id.
async fn booking(
    app: &TestApp,
    token: &str,
    flight: &str,
    key: &str,
    family: &str,
    pay: bool,
) -> String {
    let held = keyed(app, "/api/bookings", token, key, &json!({"segments": [flight], "cabin": "economy", "fare_family": "flex", "passengers": [passenger(family)], "seats": [], "contact_email": "kim@example.com"})).await;
    assert_eq!(held.status, 201, "{}", held.body);
    let id = held.body["id"].as_str().unwrap().to_string();
    if pay {
        let paid = keyed(
            app,
            &format!("/api/bookings/{id}/confirm"),
            token,
            &format!("pay-{id}"),
            &json!({"payment_method": "pm_card_ok"}),
        )
        .await;
        assert_eq!(paid.status, 200, "{}", paid.body);
    }
    id
}

#[tokio::test]
async fn cancelling_a_flight_refunds_every_booking_exactly_once_even_when_retried_or_interrupted() {
    // The follower of flight cancellations runs often, racing the admin's own cancel.
    let app = spawn_app_with(
        AppOptions::default().env("WAYFARE_BOOKING_FLIGHT_WATCH_INTERVAL_MS", "100"),
    )
    .await;
    let admin = app.admin().await.access;
    let flight = admin_flight(&app, &admin, "WF 7100", 4).await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let mut ids = Vec::new();
    for k in 0..4 {
        ids.push(booking(&app, &token, &flight, &format!("b-{k}"), "Kim", k < 3).await);
    }
    // Three cancels at once and one more after: the same outcome, one refund per booking.
    let path = format!("/api/admin/flights/{flight}/cancel");
    let empty = json!({});
    let replies = futures::future::join_all((0..3).map(|_| {
        send(
            &app,
            reqwest::Method::POST,
            &path,
            Some(&admin),
            None,
            Some(&empty),
        )
    }))
    .await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["status"], "cancelled");
    }
    let again = send(
        &app,
        reqwest::Method::POST,
        &path,
        Some(&admin),
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let deadline = Instant::now() + Duration::from_secs(15);
    for id in &ids {
        loop {
            let b = app
                .get(&format!("/api/bookings/{id}"), Some(&token))
                .await
                .body;
            if b["status"] == "cancelled" {
                let paid = b["payment_id"].is_string();
                assert_eq!(
                    b["refunded_amount"],
                    if paid { b["total"].clone() } else { json!(0) },
                    "{b}"
                );
                break;
            }
            assert!(Instant::now() < deadline, "cancelled with the flight: {b}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let refunds = app.count("payment", &format!("SELECT COUNT(*) FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{id}'")).await;
        let paid = ids.iter().position(|x| x == id).unwrap() < 3;
        assert_eq!(refunds, i64::from(paid), "booking {id} refunded once");
    }
    let admin_view = app
        .get(
            &format!("/api/admin/bookings?flight_id={flight}"),
            Some(&admin),
        )
        .await;
    assert_eq!(admin_view.status, 200, "{}", admin_view.body);
    assert!(admin_view.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["status"] == "cancelled"));
    let entries = audit(
        &app,
        &admin,
        &format!("&target=flight:{flight}&action=flight.cancel"),
    )
    .await;
    assert_eq!(entries.len(), 4);

    // Interrupted: flight cancelled, then the admin process died before booking was told.
    // The next cancel (or booking's follower) finishes it, still refunding once.
    let second = admin_flight(&app, &admin, "WF 7101", 5).await;
    let paid = booking(&app, &token, &second, "c-1", "Lee", true).await;
    let service_key = std::fs::read_to_string(app.data_dir.join("service-key")).unwrap();
    let flight_addr = app
        .service_addrs
        .iter()
        .find(|(n, _)| *n == "flight")
        .unwrap()
        .1;
    let token_for_flight =
        wayfare_chassis::identity::ServiceIdentity::new("admin", service_key.trim().as_bytes())
            .token_for("flight");
    let half = app
        .http
        .post(format!(
            "http://{flight_addr}/internal/flights/{second}/cancel"
        ))
        .header(
            wayfare_chassis::identity::SERVICE_TOKEN_HEADER,
            token_for_flight,
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(half.status(), 200);
    let resumed = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/admin/flights/{second}/cancel"),
        Some(&admin),
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let b = app
            .get(&format!("/api/bookings/{paid}"), Some(&token))
            .await
            .body;
        if b["status"] == "cancelled" {
            assert_eq!(b["refunded_amount"], b["total"]);
            break;
        }
        assert!(Instant::now() < deadline, "{b}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refunds = app.count("payment", &format!("SELECT COUNT(*) FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{paid}'")).await;
    assert_eq!(refunds, 1);
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once_and_an_admin_cannot_lock_the_office_out() {
    let app = spawn_app().await;
    let admin_tokens = app.admin().await;
    let admin = admin_tokens.access.clone();
    let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(app.signup(&email, "a-good-password").await.status, 201);
    let login = app.login(&email, "a-good-password").await;
    let (access, refresh) = (
        login.body["access_token"].as_str().unwrap().to_string(),
        login.body["refresh_token"].as_str().unwrap().to_string(),
    );
    assert_eq!(app.get("/api/auth/me", Some(&access)).await.status, 200);
    let found = app
        .get(&format!("/api/admin/users?q={email}"), Some(&admin))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let user = found.body["items"][0].clone();
    assert_eq!(user["email"], email.as_str());
    let id = user["id"].as_str().unwrap();

    let disabled = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/users/{id}"),
        Some(&admin),
        None,
        Some(&json!({"disabled": true})),
    )
    .await;
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    assert_eq!(disabled.body["disabled"], true);
    // The token issued before the disable is refused now, at the gateway and by services.
    assert_eq!(app.get("/api/auth/me", Some(&access)).await.status, 401);
    assert_eq!(app.get("/api/orders", Some(&access)).await.status, 401);
    assert_eq!(app.login(&email, "a-good-password").await.status, 403);
    let refreshed = app
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh}),
            None,
        )
        .await;
    assert_eq!(refreshed.status, 401);

    // Enabled again: a new login works at once (even within the same second).
    let enabled = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/users/{id}"),
        Some(&admin),
        None,
        Some(&json!({"disabled": false})),
    )
    .await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    let again = app.login(&email, "a-good-password").await;
    assert_eq!(again.status, 200, "{}", again.body);
    let fresh = again.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/auth/me", Some(fresh)).await.status, 200);
    assert_eq!(
        app.get("/api/auth/me", Some(&access)).await.status,
        401,
        "the old token stays void"
    );

    // Promote, then demote: a role change voids the tokens that carry the old role.
    let promoted = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/users/{id}"),
        Some(&admin),
        Some(&etag(&enabled)),
        Some(&json!({"role": "admin"})),
    )
    .await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(app.get("/api/auth/me", Some(fresh)).await.status, 401);

    // An admin cannot disable or demote themselves…
    let me = app.get("/api/auth/me", Some(&admin)).await.body;
    let my_id = me["id"].as_str().unwrap();
    for change in [json!({"disabled": true}), json!({"role": "customer"})] {
        let refused = send(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/admin/users/{my_id}"),
            Some(&admin),
            None,
            Some(&change),
        )
        .await;
        refused.assert_problem(409, "cannot_change_self");
    }
    // …and the other admin cannot remove the last one: after demoting the first admin, the
    // second is the last.
    let second = app.login(&email, "a-good-password").await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let demoted = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/admin/users/{my_id}"),
        Some(&second),
        None,
        Some(&json!({"role": "customer"})),
    )
    .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    let last = app
        .count(
            "auth",
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
        )
        .await;
    assert_eq!(last, 1);
    assert_eq!(
        app.get("/api/admin/users", Some(&admin)).await.status,
        401,
        "the demoted admin's token is void"
    );
    let entries = audit(&app, &second, &format!("&target=user:{id}")).await;
    assert_eq!(entries.len(), 3, "disable, enable, promote");
    assert_eq!(entries[2]["action"], "user.disable");
    assert_eq!(entries[2]["before"]["disabled"], false);
    assert_eq!(entries[2]["after"]["disabled"], true);
}

#[tokio::test]
async fn orders_are_searched_refunded_once_and_the_summary_adds_up() {
    let app = spawn_app().await;
    let admin = app.admin().await.access;
    let customer = app.customer().await;
    let me = app.get("/api/auth/me", Some(&customer.access)).await.body;
    let product = create_product(&app, &admin, 100, 1_250).await;
    let product_id = product["id"].as_str().unwrap();
    let line = |method: &str, quantity: i64| json!({"payment_method": method, "items": [{"product_id": product_id, "quantity": quantity}]});
    let mut orders = Vec::new();
    for (k, (method, quantity)) in [
        ("pm_card_ok", 2),
        ("pm_card_ok", 1),
        ("pm_card_declined", 1),
        ("pm_card_ok", 3),
    ]
    .iter()
    .enumerate()
    {
        let reply = app
            .checkout(
                &customer.access,
                &format!("o-{k}"),
                &line(method, *quantity),
            )
            .await;
        orders.push(reply.body["id"].as_str().unwrap_or_default().to_string());
    }
    // Search by the customer's e-mail and status.
    let found = app
        .get(
            &format!(
                "/api/admin/orders?customer={}&status=confirmed",
                me["email"].as_str().unwrap()
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        3,
        "{}",
        found.body
    );
    assert!(found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["user_id"] == me["id"]));

    // Refund one, once.
    let refunded = app
        .post(
            &format!("/api/admin/orders/{}/refund", orders[1]),
            &json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(refunded.status, 200, "{}", refunded.body);
    assert_eq!(refunded.body["status"], "cancelled");
    let twice = app
        .post(
            &format!("/api/admin/orders/{}/refund", orders[1]),
            &json!({}),
            Some(&admin),
        )
        .await;
    twice.assert_problem(409, "already_refunded");
    let refunds = app.count("payment", "SELECT COUNT(*) FROM refunds").await;
    assert_eq!(refunds, 1);

    // The summary equals what the database adds up to.
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let summary = app
        .get(
            &format!("/api/admin/summary?from={today}&to={today}"),
            Some(&admin),
        )
        .await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    assert_eq!(summary.body["unavailable"], json!([]), "{}", summary.body);
    let confirmed = app
        .count(
            "order",
            "SELECT COUNT(*) FROM orders WHERE status = 'confirmed'",
        )
        .await;
    let revenue = app
        .count(
            "order",
            "SELECT COALESCE(CAST(SUM(total) AS SIGNED), 0) FROM orders WHERE status = 'confirmed'",
        )
        .await;
    let day = summary.body["orders"]["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["day"] == today.as_str() && d["currency"] == "USD")
        .cloned()
        .expect("today's USD sales");
    assert_eq!(day["orders"], confirmed);
    assert_eq!(day["revenue"], revenue);
    assert_eq!(day["revenue"], (2 + 3) * 1_250);
    let refund = &summary.body["orders"]["refunds"][0];
    assert_eq!(
        (refund["count"].as_i64(), refund["amount"].as_i64()),
        (Some(1), Some(1_250))
    );
    let top = &summary.body["top_products"][0];
    assert_eq!(top["product_id"], product_id);
    assert_eq!(top["quantity"], 5);
    // Two approved and one declined charge of three answered: a third declined.
    let payments = &summary.body["payments"];
    let declined = app
        .count(
            "payment",
            "SELECT COUNT(*) FROM payments WHERE status = 'declined'",
        )
        .await;
    let succeeded = app
        .count(
            "payment",
            "SELECT COUNT(*) FROM payments WHERE status IN ('succeeded', 'refunded')",
        )
        .await;
    assert_eq!(payments["declined"], declined);
    let rate = declined as f64 / (declined + succeeded) as f64;
    assert!(
        (summary.body["decline_rate"].as_f64().unwrap() - rate).abs() < 0.001,
        "{}",
        summary.body
    );
    assert!(summary.body["low_stock"].is_array());
    assert!(summary.body["departures"].is_array());
    assert!(summary.body["bookings"]["per_day"].is_array());

    // Bad ranges are a clear 422.
    let bad = app
        .get("/api/admin/summary?from=tomorrow", Some(&admin))
        .await;
    bad.assert_problem(422, "validation_failed");
    let backwards = app
        .get(
            "/api/admin/summary?from=2026-02-01&to=2026-01-01",
            Some(&admin),
        )
        .await;
    backwards.assert_problem(422, "validation_failed");
}
