//! The shop: cart, checkout saga, reservations, payment idempotency, cancellation.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, AppOptions, TestApp};

fn one(product: &str, quantity: i64) -> serde_json::Value {
    json!({"payment_method": "pm_card_ok", "items": [{"product_id": product, "quantity": quantity}]})
}

#[tokio::test]
async fn cart_then_checkout_confirms_decrements_stock_and_empties_the_cart() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(10, 1250).await;

    let put = app
        .send_json(
            Method::PUT,
            &format!("/api/cart/items/{product}"),
            &json!({"quantity": 3}),
            Some(&user.access),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let cart = app.get("/api/cart", Some(&user.access)).await;
    assert_eq!(cart.body["items"][0]["quantity"], 3);
    assert_eq!(cart.body["items"][0]["unit_price"], 1250);
    assert_eq!(cart.body["items"][0]["available"], true);
    assert_eq!(cart.body["total"], 3750);

    let order = app
        .checkout(
            &user.access,
            "checkout-1",
            &json!({"payment_method": "pm_card_ok"}),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.body);
    assert_eq!(order.body["status"], "confirmed");
    assert_eq!(order.body["total"], 3750);
    assert_eq!(order.body["lines"][0]["unit_price"], 1250, "price snapshot");
    assert_eq!(app.stock(&product).await, 7);
    let cart = app.get("/api/cart", Some(&user.access)).await;
    assert!(
        cart.body["items"].as_array().unwrap().is_empty(),
        "cart cleared"
    );

    // The order lines keep the price paid even when the catalog changes it later.
    let admin = app.admin().await;
    app.send_json(
        Method::PATCH,
        &format!("/api/catalog/products/{product}"),
        &json!({"price": 9999}),
        Some(&admin.access),
    )
    .await;
    let id = order.body["id"].as_str().unwrap();
    let detail = app
        .get(&format!("/api/orders/{id}"), Some(&user.access))
        .await;
    assert_eq!(detail.body["lines"][0]["unit_price"], 1250);
    let list = app.get("/api/orders", Some(&user.access)).await;
    assert_eq!(list.body["items"][0]["id"], id);

    let payment_id = order.body["payment_id"].as_str().unwrap();
    let payment = app
        .get(&format!("/api/payments/{payment_id}"), Some(&user.access))
        .await;
    assert_eq!(payment.status, 200);
    assert_eq!(payment.body["status"], "succeeded");
    assert_eq!(payment.body["amount"], 3750);
}

#[tokio::test]
async fn the_cart_flags_products_that_became_unavailable() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(2, 500).await;
    app.send_json(
        Method::PUT,
        &format!("/api/cart/items/{product}"),
        &json!({"quantity": 2}),
        Some(&user.access),
    )
    .await;
    let admin = app.admin().await;
    app.send_json(
        Method::PUT,
        &format!("/api/catalog/products/{product}/stock"),
        &json!({"stock": 1}),
        Some(&admin.access),
    )
    .await;
    let cart = app.get("/api/cart", Some(&user.access)).await;
    assert_eq!(cart.body["items"][0]["in_stock"], false);
    app.send_json(
        Method::PATCH,
        &format!("/api/catalog/products/{product}"),
        &json!({"active": false}),
        Some(&admin.access),
    )
    .await;
    let cart = app.get("/api/cart", Some(&user.access)).await;
    assert_eq!(cart.body["items"][0]["available"], false);
    assert_eq!(cart.body["total"], 0);
}

#[tokio::test]
async fn two_hundred_buyers_race_for_fifty_units_and_exactly_fifty_win() {
    let app = spawn_app().await;
    let product = app.product_with_stock(50, 999).await;
    let buyers: Vec<String> = (0..200)
        .map(|_| app.mint_token(&uuid::Uuid::new_v4().to_string()))
        .collect();
    let attempts = buyers.iter().enumerate().map(|(i, token)| {
        let app = &app;
        let product = product.clone();
        async move {
            app.checkout(token, &format!("race-{i}"), &one(&product, 1))
                .await
        }
    });
    let replies = futures::future::join_all(attempts).await;
    let confirmed = replies.iter().filter(|r| r.status == 201).count();
    let sold_out = replies
        .iter()
        .filter(|r| r.status == 409 && r.body["code"] == "out_of_stock")
        .count();
    let other: Vec<_> = replies
        .iter()
        .filter(|r| r.status != 201 && r.status != 409)
        .map(|r| (r.status, r.body.to_string()))
        .collect();
    assert!(other.is_empty(), "unexpected answers: {other:?}");
    assert_eq!(confirmed, 50, "exactly the stock is sold");
    assert_eq!(sold_out, 150);
    assert_eq!(app.stock(&product).await, 0);
    let negative = app
        .count("catalog", "SELECT COUNT(*) FROM products WHERE stock < 0")
        .await;
    assert_eq!(negative, 0, "never negative");
    let charges = app
        .count(
            "payment",
            "SELECT COUNT(*) FROM payments WHERE status = 'succeeded'",
        )
        .await;
    assert_eq!(
        charges, 50,
        "one charge per confirmed order, none for the rest"
    );
}

#[tokio::test]
async fn one_idempotency_key_fifty_times_at_once_makes_one_order_and_one_charge() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(20, 700).await;
    let body = one(&product, 2);
    let replies =
        futures::future::join_all((0..50).map(|_| app.checkout(&user.access, "same-key", &body)))
            .await;
    let first = &replies[0];
    assert_eq!(first.status, 201, "{}", first.body);
    for reply in &replies {
        assert_eq!(reply.status, first.status);
        assert_eq!(reply.body, first.body, "every response the same");
    }
    assert_eq!(app.stock(&product).await, 18, "stock taken once");
    assert_eq!(app.count("order", "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        app.count("payment", "SELECT COUNT(*) FROM payments").await,
        1,
        "one charge"
    );

    let different = app
        .checkout(&user.access, "same-key", &one(&product, 3))
        .await;
    different.assert_problem(409, "idempotency_key_reused");
    assert_eq!(app.stock(&product).await, 18);
    // A later replay still answers the same.
    let again = app.checkout(&user.access, "same-key", &body).await;
    assert_eq!(again.body, first.body);
}

async fn declined_with(app: &TestApp, method: &str, status: u16, code: &str) {
    let user = app.customer().await;
    let product = app.product_with_stock(5, 400).await;
    let reply = app
        .checkout(
            &user.access,
            &format!("k-{method}"),
            &json!({"payment_method": method, "items": [{"product_id": product, "quantity": 2}]}),
        )
        .await;
    reply.assert_problem(status, code);
    assert_eq!(reply.body["order"]["status"], "failed");
    assert_eq!(
        app.stock(&product).await,
        5,
        "{method}: stock returned at once"
    );
    let id = reply.body["order_id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/orders/{id}"), Some(&user.access))
            .await
            .body["failure_reason"],
        code
    );
}

#[tokio::test]
async fn declines_and_provider_errors_fail_the_order_and_return_the_stock() {
    let app = spawn_app().await;
    declined_with(&app, "pm_card_declined", 402, "payment_declined").await;
    declined_with(
        &app,
        "pm_card_insufficient_funds",
        402,
        "insufficient_funds",
    )
    .await;
    declined_with(&app, "pm_card_provider_error", 402, "payment_failed").await;
    assert_eq!(
        app.count(
            "payment",
            "SELECT COUNT(*) FROM payments WHERE status = 'succeeded'"
        )
        .await,
        0,
        "no money taken"
    );
}

#[tokio::test]
async fn a_payment_timeout_leaves_the_order_pending_until_the_reconciler_fails_it_and_returns_stock(
) {
    let app = spawn_app_with(
        AppOptions::default()
            .env("WAYFARE_PAYMENT_TIMEOUT_MS", "300")
            .env("WAYFARE_PROVIDER_TIMEOUT_MS", "1000")
            .env("WAYFARE_RECONCILE_INTERVAL_MS", "250")
            .env("WAYFARE_RECONCILE_AFTER_MS", "1500"),
    )
    .await;
    let user = app.customer().await;
    let product = app.product_with_stock(5, 400).await;
    let reply = app
        .checkout(&user.access, "slow", &json!({"payment_method": "pm_card_timeout", "items": [{"product_id": product, "quantity": 1}]}))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["status"], "pending");
    assert_eq!(app.stock(&product).await, 4, "held while unresolved");
    let id = reply.body["id"].as_str().unwrap().to_string();
    let mut order = serde_json::Value::Null;
    for _ in 0..100 {
        order = app
            .get(&format!("/api/orders/{id}"), Some(&user.access))
            .await
            .body;
        if order["status"] != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(order["status"], "failed", "{order}");
    assert_eq!(order["failure_reason"], "payment_timeout");
    assert_eq!(
        app.stock(&product).await,
        5,
        "the reconciler returned the stock"
    );
}

#[tokio::test]
async fn nobody_sees_cancels_or_pays_for_another_users_order() {
    let app = spawn_app().await;
    let owner = app.customer().await;
    let other = app.customer().await;
    let product = app.product_with_stock(5, 300).await;
    let order = app.checkout(&owner.access, "mine", &one(&product, 1)).await;
    let id = order.body["id"].as_str().unwrap();
    let payment_id = order.body["payment_id"].as_str().unwrap();
    app.get(&format!("/api/orders/{id}"), Some(&other.access))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/orders/{id}/cancel"),
        &json!({}),
        Some(&other.access),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(&format!("/api/payments/{payment_id}"), Some(&other.access))
        .await
        .assert_problem(404, "not_found");
    assert!(
        app.get("/api/orders", Some(&other.access)).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.get(&format!("/api/orders/{id}"), None)
        .await
        .assert_problem(401, "unauthorized");
    // Same answer as for an order that does not exist at all.
    app.get("/api/orders/no-such-order", Some(&other.access))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/orders/{id}"), Some(&owner.access))
            .await
            .body["status"],
        "confirmed"
    );
}

#[tokio::test]
async fn cancelling_refunds_exactly_once_and_returns_the_stock() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(5, 300).await;
    let order = app
        .checkout(&user.access, "to-cancel", &one(&product, 2))
        .await;
    assert_eq!(app.stock(&product).await, 3);
    let id = order.body["id"].as_str().unwrap();
    let path = format!("/api/orders/{id}/cancel");
    let empty = json!({});
    let replies =
        futures::future::join_all((0..5).map(|_| app.post(&path, &empty, Some(&user.access))))
            .await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["status"], "cancelled");
    }
    assert_eq!(app.stock(&product).await, 5, "stock returned once");
    assert_eq!(
        app.count("payment", "SELECT COUNT(*) FROM refunds").await,
        1,
        "refunded once"
    );
    let payment_id = order.body["payment_id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/payments/{payment_id}"), Some(&user.access))
            .await
            .body["status"],
        "refunded"
    );
    // A failed order cannot be cancelled.
    let failed = app.checkout(&user.access, "declined", &json!({"payment_method": "pm_card_declined", "items": [{"product_id": product, "quantity": 1}]})).await;
    let failed_id = failed.body["order_id"].as_str().unwrap();
    app.post(
        &format!("/api/orders/{failed_id}/cancel"),
        &json!({}),
        Some(&user.access),
    )
    .await
    .assert_problem(409, "not_cancellable");
}

#[tokio::test]
async fn bad_shop_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let user = app.customer().await;
    let product = app.product_with_stock(5, 300).await;
    let item = format!("/api/cart/items/{product}");
    for quantity in [0, 100, -1] {
        let reply = app
            .send_json(
                Method::PUT,
                &item,
                &json!({"quantity": quantity}),
                Some(&user.access),
            )
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["field"], "quantity");
    }
    app.send_json(
        Method::PUT,
        "/api/cart/items/no-such-product",
        &json!({"quantity": 1}),
        Some(&user.access),
    )
    .await
    .assert_problem(404, "not_found");
    let malformed = app
        .http
        .put(app.url(&item))
        .bearer_auth(&user.access)
        .header("content-type", "application/json")
        .body("{\"quantity\":")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert!(
        app.get("/api/cart", Some(&user.access)).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "cart unchanged"
    );

    let no_key = app
        .post("/api/orders", &one(&product, 1), Some(&user.access))
        .await;
    no_key.assert_problem(400, "bad_request");
    app.checkout(&user.access, "k1", &json!({"payment_method": "pm_card_bitcoin", "items": [{"product_id": product, "quantity": 1}]}))
        .await
        .assert_problem(422, "validation_failed");
    app.checkout(&user.access, "k2", &json!({"payment_method": "pm_card_ok", "items": [{"product_id": "no-such-product", "quantity": 1}]}))
        .await
        .assert_problem(422, "validation_failed");
    app.checkout(&user.access, "k3", &json!({"payment_method": "pm_card_ok", "items": [{"product_id": product, "quantity": 100}]}))
        .await
        .assert_problem(422, "validation_failed");
    app.checkout(&user.access, "k4", &json!({"payment_method": "pm_card_ok"}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(app.stock(&product).await, 5);
    assert_eq!(
        app.count("order", "SELECT COUNT(*) FROM orders").await,
        0,
        "no order created"
    );
}

#[tokio::test]
async fn internal_endpoints_need_a_service_identity() {
    let app = spawn_app().await;
    let user = app.customer().await;
    // Straight at the services (the gateway never routes /internal at all).
    let addrs = app.service_addrs.clone();
    let catalog = addrs.iter().find(|(n, _)| *n == "catalog").unwrap().1;
    let payment = addrs.iter().find(|(n, _)| *n == "payment").unwrap().1;
    let body = json!({"order_id": "x", "items": [{"product_id": "p", "quantity": 1}]});
    let anonymous = app
        .http
        .post(format!("http://{catalog}/internal/reservations"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let customer = app
        .http
        .post(format!("http://{catalog}/internal/reservations"))
        .bearer_auth(&user.access)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        customer.status(),
        401,
        "a user token is not a service identity"
    );
    let forged = app
        .http
        .post(format!("http://{payment}/internal/charges"))
        .header("x-wayfare-service-token", "e30.e30.e30")
        .header("idempotency-key", "k")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let through_gateway = app.post("/internal/reservations", &body, None).await;
    through_gateway.assert_problem(404, "not_found");
    let ids: HashSet<_> = addrs.iter().map(|(n, _)| *n).collect();
    assert!(ids.contains("order") && ids.contains("payment"));
}
