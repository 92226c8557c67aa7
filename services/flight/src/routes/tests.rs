//! flight's router driven in process (`tower::ServiceExt::oneshot`, no socket) on an embedded
//! SQLite database with two days of the demo schedule: search, seat maps, input checks, who
//! may call the internal API, and the seat-hold contract booking relies on.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wayfare_chassis::db::Db;
use wayfare_chassis::identity::{InternalGuard, ServiceIdentity, SERVICE_TOKEN_HEADER};

use super::{internal::ALLOWED_CALLERS, router, FlightState};

const SERVICE_KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

struct App {
    router: Router,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/flight.db?mode=rwc", dir.path().display());
    let db = Db::connect(crate::NAME, &url, Duration::from_secs(5))
        .await
        .unwrap();
    db.migrate(crate::migrations::MIGRATIONS).await.unwrap();
    crate::seed::seed_demo(&db, 3).await.unwrap();
    let state = FlightState {
        airports: crate::load_airports(&db).await.unwrap(),
        db,
        internal: InternalGuard {
            identity: ServiceIdentity::new(crate::NAME, SERVICE_KEY),
            allowed_callers: ALLOWED_CALLERS,
        },
    };
    App {
        router: router(state),
        _dir: dir,
    }
}

async fn send(
    app: &App,
    method: Method,
    uri: &str,
    caller: Option<&'static str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(caller) = caller {
        request = request.header(
            SERVICE_TOKEN_HEADER,
            ServiceIdentity::new(caller, SERVICE_KEY).token_for(crate::NAME),
        );
    }
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn search_finds_direct_flights_and_connections() {
    let app = app().await;
    let (status, body) = send(
        &app,
        Method::GET,
        &format!(
            "/api/flights/search?from=GMP&to=CJU&date={}&passengers=2",
            tomorrow()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["stops"] == 0));
    let first = &items[0];
    assert_eq!(first["fares"].as_array().unwrap().len(), 3);
    assert_eq!(
        first["fares"][0]["total"].as_i64().unwrap(),
        first["fares"][0]["price"].as_i64().unwrap() * 2
    );
    // Jeju to Los Angeles has no direct flight: only connections, within the window.
    let (status, body) = send(
        &app,
        Method::GET,
        &format!("/api/flights/search?from=CJU&to=LAX&date={}", tomorrow()),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "CJU-LAX via ICN or PUS");
    for item in items {
        assert_eq!(item["stops"], 1);
        let segments = item["segments"].as_array().unwrap();
        assert_eq!(segments[0]["destination"], segments[1]["origin"]);
        let landed =
            chrono::DateTime::parse_from_rfc3339(segments[0]["arrival"]["utc"].as_str().unwrap())
                .unwrap();
        let leaves =
            chrono::DateTime::parse_from_rfc3339(segments[1]["departure"]["utc"].as_str().unwrap())
                .unwrap();
        let gap = (leaves - landed).num_minutes();
        assert!((60..=480).contains(&gap), "connection of {gap} minutes");
    }
}

#[tokio::test]
async fn bad_search_input_is_422_naming_the_field() {
    let app = app().await;
    let d = tomorrow();
    for (query, field) in [
        (format!("from=XXX&to=NRT&date={d}"), "from"),
        (format!("from=ICN&to=ICN&date={d}"), "to"),
        ("from=ICN&to=NRT&date=2020-01-01".to_string(), "date"),
        (
            format!("from=ICN&to=NRT&date={d}&passengers=10"),
            "passengers",
        ),
        (
            format!("from=ICN&to=NRT&date={d}&passengers=0"),
            "passengers",
        ),
        (format!("from=ICN&to=NRT&date={d}&cabin=first"), "cabin"),
        (format!("from=ICN&to=NRT&date={d}&sort=cheapest"), "sort"),
        ("from=ICN&to=NRT&month=2026-13".to_string(), "month"),
    ] {
        let path = if field == "month" {
            "calendar"
        } else {
            "search"
        };
        let (status, body) = send(
            &app,
            Method::GET,
            &format!("/api/flights/{path}?{query}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn airports_are_found_by_code_city_or_name() {
    let app = app().await;
    let (_, body) = send(&app, Method::GET, "/api/airports?q=seoul", None, None).await;
    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"ICN") && codes.contains(&"GMP"),
        "{codes:?}"
    );
    let (_, body) = send(&app, Method::GET, "/api/airports?q=kix", None, None).await;
    assert_eq!(body["items"][0]["time_zone"], "Asia/Tokyo");
}

#[tokio::test]
async fn seat_holds_are_exclusive_idempotent_and_internal() {
    let app = app().await;
    let (_, body) = send(
        &app,
        Method::GET,
        &format!("/api/flights/search?from=GMP&to=PUS&date={}", tomorrow()),
        None,
        None,
    )
    .await;
    let flight_id = body["items"][0]["segments"][0]["flight_id"]
        .as_str()
        .unwrap()
        .to_string();
    let hold = |booking: &str, seat: &str| json!({"booking_id": booking, "fare_family": "basic", "ttl_seconds": 60, "segments": [{"flight_id": flight_id, "cabin": "economy", "seats": [seat], "count": 2}]});
    let (status, _) = send(
        &app,
        Method::POST,
        "/internal/seat-holds",
        None,
        Some(hold("b1", "20A")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &app,
        Method::POST,
        "/internal/seat-holds",
        Some("order"),
        Some(hold("b1", "20A")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, first) = send(
        &app,
        Method::POST,
        "/internal/seat-holds",
        Some("booking"),
        Some(hold("b1", "20A")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["seats"].as_array().unwrap().len(), 2);
    let (_, again) = send(
        &app,
        Method::POST,
        "/internal/seat-holds",
        Some("booking"),
        Some(hold("b1", "20A")),
    )
    .await;
    assert_eq!(first, again, "idempotent per booking id");
    let (status, body) = send(
        &app,
        Method::POST,
        "/internal/seat-holds",
        Some("booking"),
        Some(hold("b2", "20A")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        (body["code"].as_str(), body["seat"].as_str()),
        (Some("seat_unavailable"), Some("20A"))
    );
    let (_, map) = send(
        &app,
        Method::GET,
        &format!("/api/flights/{flight_id}/seats"),
        None,
        None,
    )
    .await;
    let economy = &map["cabins"][1];
    assert_eq!(economy["seats_available"], 148);
    let (status, sold) = send(
        &app,
        Method::POST,
        "/internal/seat-holds/b1/commit",
        Some("booking"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, sold["status"].as_str()),
        (StatusCode::OK, Some("sold"))
    );
    let (status, _) = send(
        &app,
        Method::POST,
        "/internal/seat-holds/b1/release",
        Some("booking"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, map) = send(
        &app,
        Method::GET,
        &format!("/api/flights/{flight_id}/seats"),
        None,
        None,
    )
    .await;
    assert_eq!(map["cabins"][1]["seats_available"], 150);
    let (status, body) = send(
        &app,
        Method::POST,
        "/internal/seat-holds",
        Some("booking"),
        Some(hold("b1", "20A")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("hold_released"))
    );
}
