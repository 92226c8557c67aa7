//! order's router driven in process (`tower::ServiceExt::oneshot`, no socket) over the fakes of
//! catalog and payment: authentication, input checks and a checkout through the HTTP layer.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use tower::ServiceExt;
use wayfare_catalog_api::Product;
use wayfare_chassis::identity::{Claims, Role, TokenVerifier};
use wayfare_payment_api::{ChargeResult, PaymentStatus};

use super::{router, OrderState};
use crate::fakes::{payment_view, Call, Harness};

const ISSUER: &str = "wayfare-test";
const AUDIENCE: &str = "wayfare";
const KID: &str = "test-key";

fn signing_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7; 32])
}

/// Verifies against the fixed test key, like every service verifies auth's tokens.
fn verifier() -> TokenVerifier {
    let public = signing_key().verifying_key().to_bytes();
    let jwks = serde_json::from_value(serde_json::json!({
        "keys": [{
            "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(public),
            "kid": KID, "alg": "EdDSA", "use": "sig",
        }]
    }))
    .unwrap();
    TokenVerifier::fixed(&jwks, ISSUER, AUDIENCE).unwrap()
}

/// A customer's access token, signed as auth signs them.
fn token(sub: &str) -> String {
    let now = wayfare_chassis::db::now_ms() / 1000;
    let claims = Claims {
        sub: sub.into(),
        email: format!("{sub}@example.com"),
        role: Role::Customer,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + 300,
        jti: uuid::Uuid::new_v4().to_string(),
        sid: None,
        iat_ms: None,
    };
    let der = signing_key().to_pkcs8_der().unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(KID.into());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
    )
    .unwrap()
}

fn app(h: &Harness) -> Router {
    router(OrderState {
        db: h.db.clone(),
        saga: h.saga.clone(),
        carts: h.carts.clone(),
        verifier: verifier(),
        duplicate_wait: Duration::from_secs(2),
        internal: wayfare_chassis::identity::InternalGuard {
            identity: wayfare_chassis::identity::ServiceIdentity::new(
                crate::NAME,
                b"order-tests-service-key-0123456789abcdef",
            ),
            allowed_callers: super::admin::ALLOWED_CALLERS,
        },
    })
}

fn product(id: &str, price: i64) -> Product {
    Product {
        id: id.into(),
        sku: format!("SKU-{id}"),
        name: format!("Product {id}"),
        description: String::new(),
        price,
        currency: "USD".into(),
        stock: 10,
        category: "books".into(),
        active: true,
        image_url: None,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: serde_json::Value,
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    bearer: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<serde_json::Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
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
    let response = app.clone().oneshot(request).await.unwrap();
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
    assert_eq!(reply.body["status"], status.as_u16());
    assert_eq!(reply.body["code"], code, "{}", reply.body);
}

#[tokio::test]
async fn every_order_and_cart_endpoint_answers_401_problem_json_without_a_token() {
    let h = Harness::new().await;
    let app = app(&h);
    for (method, uri) in [
        (Method::GET, "/api/cart"),
        (Method::DELETE, "/api/cart"),
        (Method::PUT, "/api/cart/items/prod-a"),
        (Method::DELETE, "/api/cart/items/prod-a"),
        (Method::GET, "/api/orders"),
        (Method::POST, "/api/orders"),
        (Method::GET, "/api/orders/some-order"),
        (Method::POST, "/api/orders/some-order/cancel"),
    ] {
        let reply = send(&app, method.clone(), uri, None, None, None).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert!(h.calls().is_empty(), "nothing reaches catalog or payment");
}

#[tokio::test]
async fn a_forged_token_is_401() {
    let h = Harness::new().await;
    let app = app(&h);
    // Flip one character in the middle of the signature (the last one may only hold
    // padding bits).
    let genuine = token("user-1");
    let at = genuine.rfind('.').unwrap() + 20;
    let flipped = if &genuine[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{flipped}{}", &genuine[..at], &genuine[at + 1..]);

    let reply = send(&app, Method::GET, "/api/orders", Some(&forged), None, None).await;

    assert_problem(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_quantity_out_of_range_is_422_naming_quantity() {
    let h = Harness::new().await;
    let app = app(&h);

    let reply = send(
        &app,
        Method::PUT,
        "/api/cart/items/prod-a",
        Some(&token("user-1")),
        None,
        Some(serde_json::json!({"quantity": 0})),
    )
    .await;

    assert_problem(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(reply.body["field"], "quantity");
    assert!(h.calls().is_empty());
}

#[tokio::test]
async fn an_unknown_payment_method_is_422_naming_payment_method_and_listing_test_methods() {
    let h = Harness::new().await;
    let app = app(&h);

    let reply = send(
        &app,
        Method::POST,
        "/api/orders",
        Some(&token("user-1")),
        Some("key-1"),
        Some(serde_json::json!({"payment_method": "pm_bitcoin"})),
    )
    .await;

    assert_problem(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(reply.body["field"], "payment_method");
    assert!(reply.body["detail"]
        .as_str()
        .unwrap()
        .contains("pm_card_ok"));
    assert!(h.calls().is_empty());
}

#[tokio::test]
async fn a_checkout_without_payment_method_is_422_naming_it() {
    let h = Harness::new().await;
    let app = app(&h);

    let reply = send(
        &app,
        Method::POST,
        "/api/orders",
        Some(&token("user-1")),
        Some("key-1"),
        Some(serde_json::json!({"items": [{"product_id": "prod-a", "quantity": 1}]})),
    )
    .await;

    assert_problem(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(reply.body["field"], "payment_method");
}

#[tokio::test]
async fn a_checkout_without_idempotency_key_is_400() {
    let h = Harness::new().await;
    let app = app(&h);

    let reply = send(
        &app,
        Method::POST,
        "/api/orders",
        Some(&token("user-1")),
        None,
        Some(serde_json::json!({"payment_method": "pm_card_ok"})),
    )
    .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
}

#[tokio::test]
async fn adding_a_product_catalog_does_not_sell_is_404() {
    let h = Harness::new().await;
    let app = app(&h);

    let reply = send(
        &app,
        Method::PUT,
        "/api/cart/items/prod-gone",
        Some(&token("user-1")),
        None,
        Some(serde_json::json!({"quantity": 1})),
    )
    .await;

    assert_problem(&reply, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(h.calls(), [Call::Product("prod-gone".into())]);
}

#[tokio::test]
async fn a_cart_checkout_through_the_router_confirms_with_one_charge() {
    let h = Harness::new().await;
    h.catalog.add_product(product("prod-a", 1250));
    let app = app(&h);
    let user = token("user-1");

    let cart = send(
        &app,
        Method::PUT,
        "/api/cart/items/prod-a",
        Some(&user),
        None,
        Some(serde_json::json!({"quantity": 2})),
    )
    .await;
    assert_eq!(cart.status, StatusCode::OK, "{}", cart.body);
    assert_eq!(cart.body["total"], 2500);

    let order = send(
        &app,
        Method::POST,
        "/api/orders",
        Some(&user),
        Some("key-1"),
        Some(serde_json::json!({"payment_method": "pm_card_ok"})),
    )
    .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.body);
    assert_eq!(order.body["status"], "confirmed");
    assert_eq!(order.body["total"], 2500);
    let id = order.body["id"].as_str().unwrap().to_string();

    let charges: Vec<_> = h
        .calls()
        .into_iter()
        .filter(|c| matches!(c, Call::Charge { .. }))
        .collect();
    assert_eq!(charges.len(), 1, "exactly one charge");
    assert!(
        matches!(&charges[0], Call::Charge { key, body } if *key == id && body["amount"] == 2500)
    );

    let shown = send(
        &app,
        Method::GET,
        &format!("/api/orders/{id}"),
        Some(&user),
        None,
        None,
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["status"], "confirmed");
    let other = send(
        &app,
        Method::GET,
        &format!("/api/orders/{id}"),
        Some(&token("user-2")),
        None,
        None,
    )
    .await;
    assert_problem(&other, StatusCode::NOT_FOUND, "not_found");

    let emptied = send(&app, Method::GET, "/api/cart", Some(&user), None, None).await;
    assert_eq!(emptied.body["items"], serde_json::json!([]));
}

#[tokio::test]
async fn a_declined_checkout_through_the_router_is_402_payment_declined() {
    let h = Harness::new().await;
    h.catalog.add_product(product("prod-a", 1250));
    let app = app(&h);
    h.payment.script_charge(Ok(ChargeResult::Done(payment_view(
        "any",
        PaymentStatus::Declined,
        Some("card_declined"),
    ))));

    let reply = send(
        &app,
        Method::POST,
        "/api/orders",
        Some(&token("user-1")),
        Some("key-1"),
        Some(serde_json::json!({
            "payment_method": "pm_card_declined",
            "items": [{"product_id": "prod-a", "quantity": 1}],
        })),
    )
    .await;

    assert_problem(&reply, StatusCode::PAYMENT_REQUIRED, "payment_declined");
    assert!(
        matches!(h.calls().last(), Some(Call::Release(_))),
        "the hold is released"
    );
}
