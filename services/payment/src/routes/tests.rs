//! payment's router driven in process (`tower::ServiceExt::oneshot`, no socket) with the
//! simulated provider and an embedded SQLite database: who may call, input checks, and the
//! idempotency contract order's saga relies on.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;
use wayfare_chassis::db::Db;
use wayfare_chassis::identity::{InternalGuard, ServiceIdentity, TokenVerifier};

use super::{internal::ALLOWED_CALLERS, router, PaymentState};
use crate::config::PaymentConfig;
use crate::domain::simulated::SimulatedProvider;

const SERVICE_KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

struct App {
    router: Router,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/payment.db?mode=rwc", dir.path().display());
    let db = Db::connect(crate::NAME, &url, Duration::from_secs(5))
        .await
        .unwrap();
    db.migrate(crate::migrations::MIGRATIONS).await.unwrap();
    // No keys: these tests never present a customer token, so nothing is ever verified.
    let verifier = TokenVerifier::fixed(
        &serde_json::from_value(serde_json::json!({"keys": []})).unwrap(),
        "wayfare-test",
        "wayfare",
    )
    .unwrap();
    let state = PaymentState {
        db,
        provider: Arc::new(SimulatedProvider::default()),
        verifier,
        internal: InternalGuard {
            identity: ServiceIdentity::new(crate::NAME, SERVICE_KEY),
            allowed_callers: ALLOWED_CALLERS,
        },
        config: Arc::new(PaymentConfig {
            provider_timeout: Duration::from_secs(2),
            duplicate_wait: Duration::from_secs(3),
        }),
    };
    App {
        router: router(state),
        _dir: dir,
    }
}

/// A service token as `caller` would send it to `callee`.
fn service_token(caller: &'static str, callee: &str, key: &[u8]) -> String {
    ServiceIdentity::new(caller, key).token_for(callee)
}

fn order_token() -> String {
    service_token("order", crate::NAME, SERVICE_KEY)
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: serde_json::Value,
}

async fn send(
    app: &App,
    method: Method,
    uri: &str,
    service_token: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<serde_json::Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = service_token {
        request = request.header(wayfare_chassis::identity::SERVICE_TOKEN_HEADER, token);
    }
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let request = match body {
        Some(json) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        content_type,
        body,
    }
}

fn assert_problem(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["code"], code, "{}", reply.body);
}

fn charge_body(method: &str, amount: i64) -> serde_json::Value {
    serde_json::json!({
        "user_id": "user-1",
        "order_id": "order-1",
        "amount": amount,
        "currency": "USD",
        "payment_method": method,
    })
}

async fn charge(app: &App, key: &str, method: &str) -> Reply {
    send(
        app,
        Method::POST,
        "/internal/charges",
        Some(&order_token()),
        Some(key),
        Some(charge_body(method, 2500)),
    )
    .await
}

#[tokio::test]
async fn showing_a_payment_without_a_token_is_401_problem_json() {
    let app = app().await;

    let reply = send(&app, Method::GET, "/api/payments/pay-1", None, None, None).await;

    assert_problem(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn every_internal_endpoint_is_401_without_a_service_token() {
    let app = app().await;
    for (method, uri) in [
        (Method::POST, "/internal/charges"),
        (Method::GET, "/internal/charges/order-1"),
        (Method::POST, "/internal/charges/order-1/void"),
        (Method::POST, "/internal/refunds"),
    ] {
        let reply = send(
            &app,
            method,
            uri,
            None,
            Some("order-1"),
            Some(serde_json::json!({})),
        )
        .await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn a_service_not_on_the_list_is_403() {
    let app = app().await;
    let catalog = service_token("catalog", crate::NAME, SERVICE_KEY);

    let reply = send(
        &app,
        Method::GET,
        "/internal/charges/order-1",
        Some(&catalog),
        None,
        None,
    )
    .await;

    assert_problem(&reply, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn a_service_token_for_another_callee_or_key_is_401() {
    let app = app().await;
    for token in [
        service_token("order", "catalog", SERVICE_KEY),
        service_token("order", crate::NAME, b"another key, another key, another"),
    ] {
        let reply = send(
            &app,
            Method::GET,
            "/internal/charges/order-1",
            Some(&token),
            None,
            None,
        )
        .await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn invalid_charges_are_422_naming_the_field() {
    let app = app().await;
    let mut missing = charge_body("pm_card_ok", 100);
    missing.as_object_mut().unwrap().remove("user_id");
    for (body, field) in [
        (charge_body("pm_card_ok", 0), "amount"),
        (
            serde_json::json!({"user_id": "u", "order_id": "o", "amount": 1, "currency": "XYZ", "payment_method": "pm_card_ok"}),
            "currency",
        ),
        (charge_body("pm_bitcoin", 100), "payment_method"),
        (missing, "user_id"),
    ] {
        let reply = send(
            &app,
            Method::POST,
            "/internal/charges",
            Some(&order_token()),
            Some("order-1"),
            Some(body),
        )
        .await;
        assert_problem(
            &reply,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(reply.body["field"], field);
    }
}

#[tokio::test]
async fn a_charge_without_idempotency_key_is_400() {
    let app = app().await;

    let reply = send(
        &app,
        Method::POST,
        "/internal/charges",
        Some(&order_token()),
        None,
        Some(charge_body("pm_card_ok", 100)),
    )
    .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
}

#[tokio::test]
async fn a_charge_replays_per_key_and_refuses_other_parameters() {
    let app = app().await;

    let first = charge(&app, "order-1", "pm_card_ok").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["status"], "succeeded");
    let again = charge(&app, "order-1", "pm_card_ok").await;
    assert_eq!(again.body["id"], first.body["id"]);
    let shown = send(
        &app,
        Method::GET,
        "/internal/charges/order-1",
        Some(&order_token()),
        None,
        None,
    )
    .await;
    assert_eq!(shown.body, first.body);

    let other = charge(&app, "order-1", "pm_card_visa").await;
    assert_problem(&other, StatusCode::CONFLICT, "idempotency_key_reused");
}

#[tokio::test]
async fn declines_carry_their_failure_code() {
    let app = app().await;

    let declined = charge(&app, "order-1", "pm_card_declined").await;
    let poor = charge(&app, "order-2", "pm_card_insufficient_funds").await;

    assert_eq!(declined.body["status"], "declined");
    assert_eq!(declined.body["failure_code"], "card_declined");
    assert_eq!(poor.body["failure_code"], "insufficient_funds");
}

#[tokio::test]
async fn a_voided_key_never_charges() {
    let app = app().await;

    let missing = send(
        &app,
        Method::GET,
        "/internal/charges/order-1",
        Some(&order_token()),
        None,
        None,
    )
    .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "not_found");
    let voided = send(
        &app,
        Method::POST,
        "/internal/charges/order-1/void",
        Some(&order_token()),
        Some("order-1"),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(voided.status, StatusCode::OK, "{}", voided.body);
    assert_eq!(voided.body["status"], "voided");

    let late = charge(&app, "order-1", "pm_card_ok").await;
    assert_problem(&late, StatusCode::CONFLICT, "charge_voided");
}

#[tokio::test]
async fn a_refund_replays_per_key_and_another_key_meets_already_refunded() {
    let app = app().await;
    let paid = charge(&app, "order-1", "pm_card_ok").await;
    let payment_id = paid.body["id"].as_str().unwrap().to_string();
    let refund = |key: &'static str| {
        let body = serde_json::json!({"payment_id": payment_id});
        let app = &app;
        async move {
            send(
                app,
                Method::POST,
                "/internal/refunds",
                Some(&order_token()),
                Some(key),
                Some(body),
            )
            .await
        }
    };

    let first = refund("refund-order-1").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["payment_id"], payment_id.as_str());
    assert_eq!(first.body["amount"], 2500);
    assert_eq!(refund("refund-order-1").await.body, first.body);
    // The code order's cancel tells apart from any other 409.
    assert_problem(
        &refund("another-key").await,
        StatusCode::CONFLICT,
        "already_refunded",
    );
}
