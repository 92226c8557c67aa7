//! The flight half end to end, through the gateway of the real platform: search and time
//! zones, seat holds under contention (the hot seat, a cabin sold out by a crowd), the booking
//! saga's idempotency, expiry, refunds by fare family, flight cancellations, a crash after the
//! charge, and bad input that changes nothing.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, AppOptions, Reply, TestApp};

/// The two crowd tests take turns: each saturates this two-core machine on its own, and
/// together they push requests past the gateway's deadline (a 504 there is right, but not
/// what they test).
static CROWD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn tomorrow() -> String {
    (Utc::now() + Days::days(1)).format("%Y-%m-%d").to_string()
}

/// A service token as admin, for flight's internal schedule endpoints.
fn admin_service_token(app: &TestApp) -> String {
    let key = std::fs::read_to_string(app.data_dir.join("service-key"))
        .expect("the platform's service key");
    wayfare_chassis::identity::ServiceIdentity::new("admin", key.trim().as_bytes())
        .token_for("flight")
}

async fn flight_internal(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> Reply {
    let addr = app
        .service_addrs
        .iter()
        .find(|(n, _)| *n == "flight")
        .expect("flight runs")
        .1;
    let response = app
        .http
        .request(method, format!("http://{addr}{path}"))
        .header(
            wayfare_chassis::identity::SERVICE_TOKEN_HEADER,
            admin_service_token(app),
        )
        .json(body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        headers: Default::default(),
        body,
    }
}

/// Creates a flight through flight's internal admin API; returns its view.
async fn create_flight(
    app: &TestApp,
    number: &str,
    from: &str,
    to: &str,
    departure: &str,
    minutes: i64,
    aircraft: &str,
) -> Value {
    let mut fares = vec![
        json!({"cabin": "economy", "basic": 20_000, "standard": 26_000, "flex": 36_000}),
        json!({"cabin": "business", "basic": 90_000, "standard": 110_000, "flex": 150_000}),
    ];
    if aircraft == "B789" {
        fares.push(json!({"cabin": "premium_economy", "basic": 40_000, "standard": 50_000, "flex": 70_000}));
    }
    let created = flight_internal(
        app,
        reqwest::Method::POST,
        "/internal/flights",
        &json!({"number": number, "origin": from, "destination": to, "departure": departure, "duration_minutes": minutes, "aircraft": aircraft, "fares": fares}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body
}

/// A fresh A321 between two airports with no demo route, departing in three days.
async fn fresh_flight(app: &TestApp, number: &str) -> String {
    let departure = (Utc::now() + Days::days(3))
        .format("%Y-%m-%dT09:00:00Z")
        .to_string();
    create_flight(app, number, "CJU", "HKG", &departure, 200, "A321").await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn passenger(family: &str) -> Value {
    json!({"type": "adult", "given_name": "Min", "family_name": family, "birth_date": "1990-04-01"})
}

fn booking_body(flight_id: &str, cabin: &str, fare: &str, seats: Value) -> Value {
    json!({"segments": [flight_id], "cabin": cabin, "fare_family": fare, "passengers": [passenger("Kim")], "seats": seats, "contact_email": "kim@example.com"})
}

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Reply {
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

async fn book(app: &TestApp, token: &str, key: &str, body: &Value) -> Reply {
    post_keyed(app, "/api/bookings", token, key, body).await
}

async fn confirm(app: &TestApp, token: &str, booking_id: &str, method: &str) -> Reply {
    post_keyed(
        app,
        &format!("/api/bookings/{booking_id}/confirm"),
        token,
        &format!("confirm-{booking_id}-{method}"),
        &json!({"payment_method": method}),
    )
    .await
}

async fn held_seats(app: &TestApp, flight_id: &str) -> i64 {
    app.count(
        "flight",
        &format!("SELECT COUNT(*) FROM seat_holds WHERE flight_id = '{flight_id}'"),
    )
    .await
}

async fn charges(app: &TestApp, booking_id: &str) -> i64 {
    app.count("payment", &format!("SELECT COUNT(*) FROM payments WHERE order_id = '{booking_id}' AND status IN ('succeeded', 'refunded')")).await
}

#[tokio::test]
async fn search_finds_flights_by_the_origins_local_date_with_local_times() {
    let app = spawn_app().await;
    let day = Utc::now().date_naive() + Days::days(5);
    // 01:00 in Seoul is 16:00 UTC the day before; eleven hours later it is 19:00 the day
    // before in Los Angeles: the flight lands on the previous local day.
    let west = create_flight(
        &app,
        "WF 9001",
        "ICN",
        "LAX",
        &format!("{day}T01:00:00+09:00"),
        660,
        "B789",
    )
    .await;
    assert_eq!(west["departure"]["local"], format!("{day}T01:00:00+09:00"));
    assert_eq!(west["departure"]["utc_offset"], "+09:00");
    assert_eq!(west["departure"]["local_date"], day.to_string());
    assert_eq!(
        west["arrival"]["local_date"],
        (day - Days::days(1)).to_string(),
        "{west}"
    );
    assert!(
        west["arrival"]["local"]
            .as_str()
            .unwrap()
            .ends_with("-08:00")
            || west["arrival"]["local"]
                .as_str()
                .unwrap()
                .ends_with("-07:00")
    );
    // Eastbound: 11:00 in Los Angeles, thirteen hours, lands the next local day in Seoul.
    let east = create_flight(
        &app,
        "WF 9002",
        "LAX",
        "ICN",
        &format!("{day}T11:00:00-08:00"),
        780,
        "B789",
    )
    .await;
    assert_eq!(
        east["arrival"]["local_date"],
        (day + Days::days(1)).to_string(),
        "{east}"
    );

    // The search date is Seoul's date: the flight is on `day`, although in UTC it leaves on
    // the day before.
    let on_day = app
        .get(
            &format!("/api/flights/search?from=ICN&to=LAX&date={day}"),
            None,
        )
        .await;
    assert_eq!(on_day.status, 200, "{}", on_day.body);
    let found = |r: &Reply| {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["segments"][0]["flight_id"] == west["id"])
    };
    assert!(found(&on_day));
    let day_before = app
        .get(
            &format!(
                "/api/flights/search?from=ICN&to=LAX&date={}",
                day - Days::days(1)
            ),
            None,
        )
        .await;
    assert!(!found(&day_before), "the UTC date is not the search date");
    let item = on_day.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["segments"][0]["flight_id"] == west["id"])
        .unwrap()
        .clone();
    assert_eq!(item["segments"][0]["number"], "WF 9001");
    assert_eq!(item["duration_minutes"], 660);
    assert_eq!(item["fares"].as_array().unwrap().len(), 3);
    // The fare calendar shows a lowest fare for that day.
    let month = day.format("%Y-%m").to_string();
    let calendar = app
        .get(
            &format!("/api/flights/calendar?from=ICN&to=LAX&month={month}"),
            None,
        )
        .await;
    assert_eq!(calendar.status, 200, "{}", calendar.body);
    let entry = calendar.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == day.to_string())
        .unwrap()
        .clone();
    assert!(entry["lowest_price"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn connections_respect_the_window_and_itineraries_have_seats_for_everyone() {
    let app = spawn_app().await;
    let reply = app
        .get(
            &format!(
                "/api/flights/search?from=CJU&to=LAX&date={}&passengers=9&sort=duration",
                tomorrow()
            ),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "Jeju to Los Angeles via a hub");
    let mut last = 0;
    for item in items {
        assert!(item["seats_left"].as_i64().unwrap() >= 9);
        assert!(
            item["duration_minutes"].as_i64().unwrap() >= last,
            "sorted by duration"
        );
        last = item["duration_minutes"].as_i64().unwrap();
        let segments = item["segments"].as_array().unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(
            segments[0]["destination"], segments[1]["origin"],
            "same airport"
        );
        let landed =
            chrono::DateTime::parse_from_rfc3339(segments[0]["arrival"]["utc"].as_str().unwrap())
                .unwrap();
        let leaves =
            chrono::DateTime::parse_from_rfc3339(segments[1]["departure"]["utc"].as_str().unwrap())
                .unwrap();
        assert!(
            (60..=480).contains(&(leaves - landed).num_minutes()),
            "{item}"
        );
    }

    // A flight with 8 business seats left is offered to 8 passengers, not to 9.
    let flight = fresh_flight(&app, "WF 9010").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let eight: Vec<Value> = (0..8)
        .map(|i| passenger(&format!("Kim{}", "abcdefgh".chars().nth(i).unwrap())))
        .collect();
    let body = json!({"segments": [flight], "cabin": "business", "fare_family": "flex", "passengers": eight, "contact_email": "kim@example.com"});
    let held = book(&app, &token, "eight", &body).await;
    assert_eq!(held.status, 201, "{}", held.body);
    let seats: Vec<&Value> = held.body["passengers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["seats"].as_array().unwrap())
        .collect();
    assert_eq!(seats.len(), 8);
    let date = (Utc::now() + Days::days(3)).format("%Y-%m-%d").to_string();
    let offered = |n: u32| {
        let app = &app;
        let flight = flight.clone();
        let date = date.clone();
        async move {
            let r = app.get(&format!("/api/flights/search?from=CJU&to=HKG&date={date}&cabin=business&passengers={n}"), None).await;
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["segments"][0]["flight_id"] == flight.as_str())
        }
    };
    assert!(offered(8).await);
    assert!(!offered(9).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_seat_one_thousand_concurrent_attempts_exactly_one_holds_seat_1a() {
    let _turn = CROWD.lock().await;
    let app = spawn_app().await;
    let flight = fresh_flight(&app, "WF 9020").await;
    let attempts: usize = std::env::var("WAYFARE_HOT_SEAT_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let body = booking_body(
        &flight,
        "business",
        "flex",
        json!([{"passenger": 0, "flight_id": flight, "seat": "1A"}]),
    );
    // Every attempt is started at once; at most 200 are on the wire at a time, so that on a
    // two-core machine running other tests no request outlives its deadline (a 503 there
    // would be the right answer, but not what this test is about).
    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(200));
    let started = Instant::now();
    let tasks: Vec<_> = (0..attempts)
        .map(|i| {
            let (http, url, body) = (app.http.clone(), app.url("/api/bookings"), body.clone());
            let token = app.mint_token(&format!("hot-{i}"));
            let in_flight = in_flight.clone();
            tokio::spawn(async move {
                let _permit = in_flight.acquire_owned().await.unwrap();
                let r = http
                    .post(url)
                    .bearer_auth(token)
                    .header("idempotency-key", format!("hot-{i}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => won += 1,
            409 => {
                assert_eq!(body["code"], "seat_unavailable", "{body}");
                assert_eq!(body["seat"], "1A", "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "hot seat: {attempts} attempts in {:.2}s ({:.0}/s)",
        elapsed.as_secs_f64(),
        attempts as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(won, 1, "exactly one booking holds 1A");
    assert_eq!(held_seats(&app, &flight).await, 1);
    assert_eq!(
        app.count(
            "booking",
            "SELECT COUNT(*) FROM bookings WHERE status = 'held'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_concurrent_bookings_fill_a_cabin_of_150_exactly_and_no_seat_twice() {
    let _turn = CROWD.lock().await;
    let app = spawn_app().await;
    let flight = fresh_flight(&app, "WF 9030").await;
    let body = json!({"segments": [flight], "cabin": "economy", "fare_family": "basic", "passengers": [passenger("Lee")], "contact_email": "lee@example.com"});
    // All 300 start at once; 100 on the wire at a time (see the hot-seat test).
    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(100));
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let (http, url, body) = (app.http.clone(), app.url("/api/bookings"), body.clone());
            let token = app.mint_token(&format!("crowd-{i}"));
            let in_flight = in_flight.clone();
            tokio::spawn(async move {
                let _permit = in_flight.acquire_owned().await.unwrap();
                let r = http
                    .post(url)
                    .bearer_auth(token)
                    .header("idempotency-key", "crowd")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut seats = std::collections::HashSet::new();
    let mut won = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => {
                won += 1;
                let seat = body["passengers"][0]["seats"][0]["seat"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(seats.insert(seat.clone()), "seat {seat} sold twice");
            }
            409 => assert_eq!(body["code"], "sold_out", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(won, 150, "exactly the economy cabin");
    assert_eq!(held_seats(&app, &flight).await, 150);
    let map = app.get(&format!("/api/flights/{flight}/seats"), None).await;
    assert_eq!(map.body["cabins"][1]["seats_available"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replayed_returns_one_booking_and_one_charge() {
    let app = spawn_app().await;
    let flight = fresh_flight(&app, "WF 9040").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let body = booking_body(
        &flight,
        "economy",
        "standard",
        json!([{"passenger": 0, "flight_id": flight, "seat": "10A"}]),
    );
    let first = book(&app, &token, "trip-1", &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["status"], "held");
    let pnr = first.body["pnr"].as_str().unwrap();
    assert_eq!(pnr.len(), 6);
    assert!(!pnr.contains(['0', 'O', '1', 'I', 'L']));
    assert_eq!(
        first.body["price"]["seat_total"], 4_500,
        "extra legroom on a standard fare"
    );
    assert_eq!(first.body["total"], 26_000 + 4_500);
    assert!(first.body["payment_required_by"].is_string());
    let again = book(&app, &token, "trip-1", &body).await;
    assert_eq!((again.status, &again.body["id"]), (201, &first.body["id"]));
    // Same key, another body: 409 and nothing new.
    let other = book(
        &app,
        &token,
        "trip-1",
        &booking_body(&flight, "economy", "flex", json!([])),
    )
    .await;
    other.assert_problem(409, "idempotency_key_reused");
    // Fifty at once with a new key: one booking.
    let body2 = booking_body(&flight, "economy", "basic", json!([]));
    let replies =
        futures::future::join_all((0..50).map(|_| book(&app, &token, "trip-2", &body2))).await;
    let ids: std::collections::HashSet<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(held_seats(&app, &flight).await, 2);

    // Confirm once sequentially and fifty times at once: one charge, tickets once.
    let id = first.body["id"].as_str().unwrap();
    let paid = confirm(&app, &token, id, "pm_card_ok").await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "confirmed");
    let tickets = paid.body["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 1);
    let number = tickets[0]["number"].as_str().unwrap();
    assert_eq!(number.len(), 13);
    assert!(number.bytes().all(|b| b.is_ascii_digit()));
    let replays =
        futures::future::join_all((0..50).map(|_| confirm(&app, &token, id, "pm_card_ok"))).await;
    assert!(replays
        .iter()
        .all(|r| r.status == 200 && r.body["tickets"][0]["number"] == number));
    let other_id = ids.into_iter().next().unwrap();
    let at_once =
        futures::future::join_all((0..50).map(|_| confirm(&app, &token, &other_id, "pm_card_ok")))
            .await;
    assert!(
        at_once.iter().all(|r| r.status == 200),
        "{:?}",
        at_once.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(charges(&app, id).await, 1);
    assert_eq!(charges(&app, &other_id).await, 1);
    assert_eq!(
        app.count(
            "flight",
            &format!(
                "SELECT COUNT(*) FROM seat_hold_sets WHERE booking_id = '{id}' AND status = 'sold'"
            )
        )
        .await,
        1
    );

    // Owner only; "manage my booking" by PNR and last name shows a reduced view.
    let stranger = app.mint_token("someone-else");
    assert_eq!(
        app.get(&format!("/api/bookings/{id}"), Some(&stranger))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/bookings", Some(&token)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let found = app
        .get(
            &format!(
                "/api/bookings/lookup?pnr={}&last_name=kim",
                pnr.to_lowercase()
            ),
            None,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["status"], "confirmed");
    assert!(found.body.get("contact_email").is_none() && found.body.get("id").is_none());
    assert_eq!(
        app.get(
            &format!("/api/bookings/lookup?pnr={pnr}&last_name=Park"),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_keeps_the_hold_and_an_expired_hold_returns_the_seats_without_a_charge() {
    let app = spawn_app_with(
        AppOptions::default()
            .env("WAYFARE_BOOKING_HOLD_SECONDS", "2")
            .env("WAYFARE_BOOKING_EXPIRY_INTERVAL_MS", "200"),
    )
    .await;
    let flight = fresh_flight(&app, "WF 9050").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let body = booking_body(
        &flight,
        "economy",
        "basic",
        json!([{"passenger": 0, "flight_id": flight, "seat": "20C"}]),
    );
    let held = book(&app, &token, "short", &body).await;
    assert_eq!(held.status, 201, "{}", held.body);
    let id = held.body["id"].as_str().unwrap().to_string();
    let declined = confirm(&app, &token, &id, "pm_card_declined").await;
    declined.assert_problem(402, "payment_declined");
    assert_eq!(declined.body["booking"]["status"], "held");
    assert_eq!(held_seats(&app, &flight).await, 1);

    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let late = confirm(&app, &token, &id, "pm_card_ok").await;
    late.assert_problem(409, "hold_expired");
    assert_eq!(charges(&app, &id).await, 0, "nothing charged");
    let deadline = Instant::now() + Duration::from_secs(10);
    while held_seats(&app, &flight).await != 0 {
        assert!(Instant::now() < deadline, "the seat came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let map = app.get(&format!("/api/flights/{flight}/seats"), None).await;
    let row = map.body["cabins"][1]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == 20)
        .unwrap()
        .clone();
    assert_eq!(row["seats"][2]["designator"], "20C");
    assert_eq!(row["seats"][2]["available"], true);
    assert_eq!(
        app.get(&format!("/api/bookings/{id}"), Some(&token))
            .await
            .body["status"],
        "expired"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_follow_the_fare_family_once_and_a_cancelled_flight_refunds_everyone() {
    let app = spawn_app_with(
        AppOptions::default().env("WAYFARE_BOOKING_FLIGHT_WATCH_INTERVAL_MS", "200"),
    )
    .await;
    let flight = fresh_flight(&app, "WF 9060").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let mut confirmed = Vec::new();
    for (i, fare) in ["basic", "standard", "flex"].iter().enumerate() {
        let held = book(
            &app,
            &token,
            &format!("fare-{fare}"),
            &booking_body(&flight, "economy", fare, json!([])),
        )
        .await;
        assert_eq!(held.status, 201, "{}", held.body);
        let id = held.body["id"].as_str().unwrap().to_string();
        let paid = confirm(&app, &token, &id, "pm_card_ok").await;
        assert_eq!(paid.status, 200, "{}", paid.body);
        confirmed.push((
            i,
            fare.to_string(),
            id,
            paid.body["total"].as_i64().unwrap(),
        ));
    }
    for (_, fare, id, total) in &confirmed {
        let cancelled = app
            .post(
                &format!("/api/bookings/{id}/cancel"),
                &json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.body);
        assert_eq!(cancelled.body["status"], "cancelled");
        let expected = match fare.as_str() {
            "basic" => 0,
            "standard" => total - 7_500,
            _ => *total,
        };
        assert_eq!(cancelled.body["refunded_amount"], expected, "{fare}");
        assert!(cancelled.body["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "void"));
        let twice = app
            .post(
                &format!("/api/bookings/{id}/cancel"),
                &json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(twice.status, 200);
        let refunds = app.count("payment", &format!("SELECT COUNT(*) FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{id}'")).await;
        assert_eq!(refunds, i64::from(expected > 0), "{fare}: refunded once");
        if expected > 0 {
            let amount = app.count("payment", &format!("SELECT r.amount FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{id}'")).await;
            assert_eq!(amount, expected);
        }
    }
    assert_eq!(held_seats(&app, &flight).await, 0);

    // The airline cancels a flight: every booking on it is cancelled, paid ones in full.
    let doomed = fresh_flight(&app, "WF 9061").await;
    let mut ids = Vec::new();
    for k in 0..3 {
        let held = book(
            &app,
            &token,
            &format!("doomed-{k}"),
            &booking_body(&doomed, "economy", "basic", json!([])),
        )
        .await;
        let id = held.body["id"].as_str().unwrap().to_string();
        if k < 2 {
            assert_eq!(confirm(&app, &token, &id, "pm_card_ok").await.status, 200);
        }
        ids.push(id);
    }
    let cancelled = flight_internal(
        &app,
        reqwest::Method::POST,
        &format!("/internal/flights/{doomed}/cancel"),
        &json!({"reason": "typhoon"}),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    let deadline = Instant::now() + Duration::from_secs(15);
    for id in &ids {
        let booking = loop {
            let b = app
                .get(&format!("/api/bookings/{id}"), Some(&token))
                .await
                .body;
            if b["status"] == "cancelled" {
                break b;
            }
            assert!(Instant::now() < deadline, "cancelled with the flight: {b}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            booking["cancel_reason"]
                .as_str()
                .unwrap()
                .contains("typhoon"),
            "{booking}"
        );
        let paid = booking["payment_id"].is_string();
        assert_eq!(
            booking["refunded_amount"],
            if paid {
                booking["total"].clone()
            } else {
                json!(0)
            }
        );
    }
    assert_eq!(held_seats(&app, &doomed).await, 0);
}

#[tokio::test]
async fn changing_a_seat_takes_the_new_one_first_and_reprices() {
    let app = spawn_app().await;
    let flight = fresh_flight(&app, "WF 9070").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let held = book(
        &app,
        &token,
        "change",
        &booking_body(
            &flight,
            "economy",
            "basic",
            json!([{"passenger": 0, "flight_id": flight, "seat": "20B"}]),
        ),
    )
    .await;
    assert_eq!(held.status, 201, "{}", held.body);
    assert_eq!(held.body["price"]["seat_total"], 900);
    let id = held.body["id"].as_str().unwrap();
    let other = book(
        &app,
        &app.mint_token("other"),
        "other",
        &booking_body(
            &flight,
            "economy",
            "basic",
            json!([{"passenger": 0, "flight_id": flight, "seat": "21A"}]),
        ),
    )
    .await;
    assert_eq!(other.status, 201);
    let taken = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/bookings/{id}/seats"),
            &json!({"seats": [{"passenger": 0, "flight_id": flight, "seat": "21A"}]}),
            Some(&token),
        )
        .await;
    taken.assert_problem(409, "seat_unavailable");
    assert_eq!(taken.body["seat"], "21A");
    let moved = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/bookings/{id}/seats"),
            &json!({"seats": [{"passenger": 0, "flight_id": flight, "seat": "10A"}]}),
            Some(&token),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["passengers"][0]["seats"][0]["seat"], "10A");
    assert_eq!(moved.body["price"]["seat_total"], 4_500);
    assert_eq!(moved.body["total"], 20_000 + 4_500);
    assert_eq!(held_seats(&app, &flight).await, 2, "20B given back");
}

#[tokio::test]
async fn bad_booking_input_is_a_problem_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    let flight = fresh_flight(&app, "WF 9080").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let good = booking_body(&flight, "economy", "basic", json!([]));
    let with = |key: &str, value: Value| {
        let mut b = good.clone();
        b[key] = value;
        b
    };
    let cases = vec![
        (with("cabin", json!("first")), "cabin"),
        (with("fare_family", json!("super")), "fare_family"),
        (with("segments", json!([])), "segments"),
        (with("segments", json!(["no-such-flight"])), "segments"),
        (with("passengers", json!([])), "passengers"),
        (
            with(
                "passengers",
                json!([{"type": "adult", "given_name": "", "family_name": "Kim", "birth_date": "1990-01-01"}]),
            ),
            "given_name",
        ),
        (
            with(
                "passengers",
                json!([{"type": "alien", "given_name": "Min", "family_name": "Kim", "birth_date": "1990-01-01"}]),
            ),
            "type",
        ),
        (
            with(
                "passengers",
                json!([{"type": "adult", "given_name": "Min", "family_name": "Kim", "birth_date": "2999-01-01"}]),
            ),
            "birth_date",
        ),
        (with("contact_email", json!("nope")), "contact_email"),
        (
            with(
                "seats",
                json!([{"passenger": 3, "flight_id": flight, "seat": "10A"}]),
            ),
            "passenger",
        ),
        (
            with(
                "seats",
                json!([{"passenger": 0, "flight_id": flight, "seat": "A10"}]),
            ),
            "seats",
        ),
        (
            with(
                "seats",
                json!([{"passenger": 0, "flight_id": flight, "seat": "99A"}]),
            ),
            "seat",
        ),
    ];
    for (i, (body, field)) in cases.into_iter().enumerate() {
        let reply = book(&app, &token, &format!("bad-{i}"), &body).await;
        assert!(
            reply.status == 422,
            "{field}: {} {}",
            reply.status,
            reply.body
        );
        assert_eq!(reply.content_type(), "application/problem+json");
        assert_eq!(reply.body["field"], field, "{}", reply.body);
    }
    let no_key = app.post("/api/bookings", &good, Some(&token)).await;
    no_key.assert_problem(400, "bad_request");
    assert_eq!(app.post("/api/bookings", &good, None).await.status, 401);
    for (query, field) in [
        ("from=ICN&to=ZZZ", "to"),
        ("from=ICN&to=ICN", "to"),
        ("from=ICN&to=NRT&passengers=12", "passengers"),
    ] {
        let r = app
            .get(
                &format!("/api/flights/search?{query}&date={}", tomorrow()),
                None,
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["field"], field);
    }
    assert_eq!(held_seats(&app, &flight).await, 0);
    assert_eq!(
        app.count(
            "booking",
            "SELECT COUNT(*) FROM bookings WHERE status <> 'failed'"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("payment", "SELECT COUNT(*) FROM payments").await,
        0
    );
}

/// The real binary, killed by the `after_charge` fault point between the charge and the
/// ticketing; after a restart the reconciler finds the charge and tickets the booking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_charge_is_ticketed_by_the_reconciler_with_exactly_one_charge() {
    use crate::helpers::{binary, mint_token, redis_url, start_serving, TestDatabase};
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create().await;
    let namespace = format!("crash-{}", uuid::Uuid::new_v4().simple());
    let http = reqwest::Client::new();
    let start = |extra: &[(&str, &str)]| {
        let mut cmd = binary();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("WAYFARE_LOG", "warn")
            .env("WAYFARE_LOG_FORMAT", "json")
            .env("WAYFARE_DRAIN_DELAY_SECONDS", "0")
            .env("WAYFARE_RATE_LIMIT_ENABLED", "false")
            .env("WAYFARE_CACHE_NAMESPACE", &namespace)
            .stderr(std::process::Stdio::null());
        if let Some(url) = &db.url {
            cmd.env("WAYFARE_DATABASE_URL", url)
                .env("WAYFARE_SEED_DEMO_DATA", "true")
                .env("WAYFARE_REDIS_URL", redis_url());
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let (child, addr) = start_serving(&mut cmd);
        (child, format!("http://{addr}"))
    };
    // A short interval in the first process too, so its reconciler's lease (three intervals)
    // expires soon after it dies; the long `after` keeps it off the booking before the crash.
    let (mut first, base) = start(&[
        ("WAYFARE_FAULT_INJECT", "after_charge"),
        ("WAYFARE_BOOKING_RECONCILE_INTERVAL_MS", "200"),
        ("WAYFARE_BOOKING_RECONCILE_AFTER_MS", "600000"),
    ]);
    let found: Value = http
        .get(format!(
            "{base}/api/flights/search?from=GMP&to=CJU&date={}",
            tomorrow()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let flight = found["items"][0]["segments"][0]["flight_id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = mint_token(dir.path(), &uuid::Uuid::new_v4().to_string());
    let body = json!({"segments": [flight], "cabin": "economy", "fare_family": "flex", "passengers": [passenger("Kim"), passenger("Park")], "contact_email": "kim@example.com"});
    let held: Value = http
        .post(format!("{base}/api/bookings"))
        .bearer_auth(&token)
        .header("idempotency-key", "crash")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(held["status"], "held", "{held}");
    let id = held["id"].as_str().unwrap().to_string();
    let outcome = http
        .post(format!("{base}/api/bookings/{id}/confirm"))
        .bearer_auth(&token)
        .header("idempotency-key", "pay")
        .json(&json!({"payment_method": "pm_card_ok"}))
        .send()
        .await;
    assert!(
        outcome.is_err() || outcome.unwrap().status().is_server_error(),
        "the process died mid-confirm"
    );
    assert!(!first.wait().unwrap().success(), "aborted at after_charge");

    let (mut second, base) = start(&[
        ("WAYFARE_BOOKING_RECONCILE_INTERVAL_MS", "200"),
        ("WAYFARE_BOOKING_RECONCILE_AFTER_MS", "500"),
    ]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let booking = loop {
        let b: Value = http
            .get(format!("{base}/api/bookings/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if b["status"] != "payment_pending" {
            break b;
        }
        assert!(Instant::now() < deadline, "stuck pending: {b}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(booking["status"], "confirmed", "{booking}");
    assert_eq!(
        booking["tickets"].as_array().unwrap().len(),
        2,
        "one ticket per passenger"
    );
    let payment: Value = http
        .get(format!(
            "{base}/api/payments/{}",
            booking["payment_id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(payment["status"], "succeeded", "{payment}");
    assert_eq!(payment["amount"], booking["total"]);
    // Exactly one charge for the booking.
    sqlx::any::install_default_drivers();
    let url = db
        .url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/payment.db", dir.path().display()));
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let charged: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM payments WHERE order_id = '{id}' AND status = 'succeeded'"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(charged, 1);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status();
    let _ = second.wait();
}

#[tokio::test]
async fn cancelling_after_a_charged_seat_change_refunds_each_charge_once() {
    let app = spawn_app().await;
    let flight = fresh_flight(&app, "WF 9071").await;
    let token = app.mint_token(&uuid::Uuid::new_v4().to_string());
    let held = book(
        &app,
        &token,
        "dearer-seat",
        &booking_body(&flight, "economy", "flex", json!([])),
    )
    .await;
    assert_eq!(held.status, 201, "{}", held.body);
    let id = held.body["id"].as_str().unwrap().to_string();
    let paid = confirm(&app, &token, &id, "pm_card_ok").await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let first_total = paid.body["total"].as_i64().unwrap();
    // A dearer seat on a paid booking: its surcharge is charged at once, as a second payment.
    let moved = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/bookings/{id}/seats"),
            &json!({"seats": [{"passenger": 0, "flight_id": flight, "seat": "10A"}]}),
            Some(&token),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let total = moved.body["total"].as_i64().unwrap();
    assert!(total > first_total, "{}", moved.body);
    assert_eq!(charges(&app, &id).await, 2);

    // Flex refunds everything: both charges, each refunded once, however often it is asked.
    for _ in 0..2 {
        let cancelled = app
            .post(
                &format!("/api/bookings/{id}/cancel"),
                &json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.body);
        assert_eq!(cancelled.body["status"], "cancelled");
        assert_eq!(cancelled.body["refunded_amount"], total);
    }
    let refunded: i64 = app
        .count(
            "payment",
            &format!("SELECT COALESCE(CAST(SUM(r.amount) AS SIGNED), 0) FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{id}'"),
        )
        .await;
    assert_eq!(refunded, total);
    let refunds = app
        .count(
            "payment",
            &format!("SELECT COUNT(*) FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{id}'"),
        )
        .await;
    assert_eq!(refunds, 2, "one refund per charge");
}
