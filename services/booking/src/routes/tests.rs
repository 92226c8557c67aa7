//! booking's router driven in process (`tower::ServiceExt::oneshot`, no socket) with fakes of
//! flight and payment: every customer route needs a token, and "manage my booking" checks its
//! input before looking anything up.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use wayfare_chassis::cache::Cache;
use wayfare_chassis::db::Db;
use wayfare_chassis::identity::TokenVerifier;

use super::{router, BookingState};
use crate::domain::saga::Saga;
use crate::domain::saga_tests::{FakeFlights, FakePayments, Mode};

async fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/booking.db?mode=rwc", dir.path().display());
    let db = Db::connect(crate::NAME, &url, Duration::from_secs(5))
        .await
        .unwrap();
    db.migrate(crate::migrations::MIGRATIONS).await.unwrap();
    // No keys: no customer token verifies, which is what these tests look at.
    let verifier = TokenVerifier::fixed(
        &serde_json::from_value(serde_json::json!({"keys": []})).unwrap(),
        "wayfare-test",
        "wayfare",
    )
    .unwrap();
    let state = BookingState {
        saga: Arc::new(Saga {
            db: db.clone(),
            flights: Arc::new(FakeFlights::default()),
            payment: Arc::new(FakePayments::new(Mode::Approve)),
            hold: Duration::from_secs(900),
            fault: None,
        }),
        db,
        cache: Cache::in_process("booking-test"),
        verifier,
        duplicate_wait: Duration::from_secs(1),
        lookup_per_minute: 2,
        internal: wayfare_chassis::identity::InternalGuard {
            identity: wayfare_chassis::identity::ServiceIdentity::new(
                "booking",
                b"0123456789abcdef0123456789abcdef",
            ),
            allowed_callers: super::admin::ALLOWED_CALLERS,
        },
    };
    (router(state), dir)
}

async fn call(app: &axum::Router, method: Method, uri: &str) -> (StatusCode, serde_json::Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("authorization", "Bearer not-a-token")
        .body(Body::from("{}"))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test]
async fn every_customer_route_needs_a_valid_token() {
    let (app, _dir) = app().await;
    for (method, uri) in [
        (Method::POST, "/api/bookings"),
        (Method::GET, "/api/bookings"),
        (Method::GET, "/api/bookings/b1"),
        (Method::POST, "/api/bookings/b1/confirm"),
        (Method::PUT, "/api/bookings/b1/seats"),
        (Method::POST, "/api/bookings/b1/cancel"),
    ] {
        let (status, body) = call(&app, method.clone(), uri).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}: {body}");
    }
}

#[tokio::test]
async fn lookup_checks_its_input_and_is_rate_limited() {
    let (app, _dir) = app().await;
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/bookings/lookup?pnr=ABC1&last_name=Kim",
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pnr"))
    );
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/bookings/lookup?pnr=ABCDEF&last_name=Kim",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/bookings/lookup?pnr=ABCDEF&last_name=Kim",
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
}
