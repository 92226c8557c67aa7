//! booking's HTTP API: create (hold seats), confirm (pay, ticket), the owner's bookings,
//! "manage my booking" by PNR and last name, seat changes and cancellation. Another user's
//! booking is a 404, exactly like a missing one, so ids leak nothing.

pub mod admin;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use wayfare_chassis::cache::Cache;
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::error::{Problem, PROBLEM_JSON};
use wayfare_chassis::identity::{AuthUser, InternalGuard, TokenVerifier};
use wayfare_chassis::openapi::{BearerAuth, CommonResponses};
use wayfare_chassis::{ApiError, Json, NewestFirst, Page};
use wayfare_flight_api::{Cabin, FareFamily, FlightStatus, HoldRequest, HoldResult, HoldSegment};

use crate::domain::saga::{self, Saga};
use crate::domain::{
    self, BookedSegment, Booking, BookingStatus, BookingSummary, BookingView, Passenger,
    PassengerType, SeatAssignment,
};
use crate::store::{self, Changes, Inserted};

#[derive(Clone)]
pub struct BookingState {
    pub db: Db,
    pub saga: Arc<Saga>,
    pub cache: Cache,
    pub verifier: TokenVerifier,
    /// How long a duplicate request waits for the first one with its key to settle.
    pub duplicate_wait: Duration,
    pub lookup_per_minute: u32,
    /// Who may call `/internal/**` (the admin service).
    pub internal: InternalGuard,
}

impl FromRef<BookingState> for InternalGuard {
    fn from_ref(state: &BookingState) -> Self {
        state.internal.clone()
    }
}

impl FromRef<BookingState> for TokenVerifier {
    fn from_ref(state: &BookingState) -> Self {
        state.verifier.clone()
    }
}

pub fn router(state: BookingState) -> Router {
    Router::new()
        .route("/api/bookings", post(create).get(list))
        .route("/api/bookings/lookup", get(lookup))
        .route("/api/bookings/{id}", get(show))
        .route("/api/bookings/{id}/confirm", post(confirm))
        .route("/api/bookings/{id}/seats", put(change_seats))
        .route("/api/bookings/{id}/cancel", post(cancel))
        .with_state(state.clone())
        .merge(admin::router(state))
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

/// A problem with extra fields (the seat that was taken, the booking that failed).
fn problem(status: StatusCode, code: &str, detail: &str, extra: serde_json::Value) -> Response {
    let mut body =
        serde_json::to_value(Problem::new(status, code, detail)).expect("a problem serialises");
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

// ------------------------------------------------------------------------------ create

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassengerInput {
    /// `adult`, `child` or `infant` (on an adult's lap, no seat).
    #[serde(rename = "type")]
    kind: String,
    given_name: String,
    family_name: String,
    /// `YYYY-MM-DD`.
    birth_date: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatChoice {
    /// Index in `passengers`.
    passenger: usize,
    flight_id: String,
    /// E.g. `12A`.
    seat: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBooking {
    /// Flight ids in travel order (a one-stop itinerary, a round trip…), 1 to 4.
    segments: Vec<String>,
    /// `economy`, `premium_economy` or `business`.
    cabin: String,
    /// `basic`, `standard` or `flex`.
    fare_family: String,
    /// 1 to 9 passengers.
    passengers: Vec<PassengerInput>,
    /// Chosen seats; passengers without one are seated side by side automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seats: Option<Vec<SeatChoice>>,
    contact_email: String,
}

struct Checked {
    cabin: Cabin,
    fare_family: FareFamily,
    passengers: Vec<Passenger>,
    seats: Vec<(usize, String, String)>,
    segments: Vec<String>,
    contact_email: String,
}

fn check(body: &CreateBooking) -> Result<Checked, ApiError> {
    if body.segments.is_empty() || body.segments.len() > 4 {
        return Err(ApiError::validation(
            "segments",
            "must list 1 to 4 flight ids",
        ));
    }
    let mut segments = Vec::new();
    for id in &body.segments {
        let id = domain::parse_id("segments", id)?;
        if segments.contains(&id) {
            return Err(ApiError::validation("segments", "a flight is listed twice"));
        }
        segments.push(id);
    }
    let cabin = Cabin::parse(&body.cabin).ok_or_else(|| {
        ApiError::validation("cabin", "must be economy, premium_economy or business")
    })?;
    let fare_family = FareFamily::parse(&body.fare_family)
        .ok_or_else(|| ApiError::validation("fare_family", "must be basic, standard or flex"))?;
    if body.passengers.is_empty() || body.passengers.len() > 9 {
        return Err(ApiError::validation(
            "passengers",
            "must list 1 to 9 passengers",
        ));
    }
    let today = chrono::Utc::now().date_naive();
    let mut passengers = Vec::new();
    for p in &body.passengers {
        let kind = match p.kind.as_str() {
            "adult" => PassengerType::Adult,
            "child" => PassengerType::Child,
            "infant" => PassengerType::Infant,
            _ => {
                return Err(ApiError::validation(
                    "type",
                    "must be adult, child or infant",
                ))
            }
        };
        passengers.push(Passenger {
            kind,
            given_name: domain::parse_name("given_name", &p.given_name)?,
            family_name: domain::parse_name("family_name", &p.family_name)?,
            birth_date: domain::parse_birth_date(&p.birth_date, today)?,
        });
    }
    let adults = passengers
        .iter()
        .filter(|p| p.kind == PassengerType::Adult)
        .count();
    let infants = passengers
        .iter()
        .filter(|p| p.kind == PassengerType::Infant)
        .count();
    if adults == 0 || infants > adults {
        return Err(ApiError::validation(
            "passengers",
            "need at least one adult, and one adult per infant",
        ));
    }
    let mut seats = Vec::new();
    let mut seen = HashSet::new();
    for choice in body.seats.iter().flatten() {
        let passenger = passengers.get(choice.passenger).ok_or_else(|| {
            ApiError::validation("passenger", format!("no passenger {}", choice.passenger))
        })?;
        if !passenger.kind.seated() {
            return Err(ApiError::validation(
                "passenger",
                "an infant has no seat of its own",
            ));
        }
        if !segments.contains(&choice.flight_id) {
            return Err(ApiError::validation(
                "flight_id",
                format!("{} is not a segment of this booking", choice.flight_id),
            ));
        }
        let seat = domain::parse_seat(&choice.seat)?;
        if !seen.insert((choice.passenger, choice.flight_id.clone()))
            || !seen.insert((usize::MAX, format!("{}/{seat}", choice.flight_id)))
        {
            return Err(ApiError::validation(
                "seats",
                "one seat per passenger and flight, and each seat once",
            ));
        }
        seats.push((choice.passenger, choice.flight_id.clone(), seat));
    }
    Ok(Checked {
        cabin,
        fare_family,
        passengers,
        seats,
        segments,
        contact_email: domain::parse_email(&body.contact_email)?,
    })
}

#[tracing::instrument(skip_all, fields(user_id = %user.sub))]
#[utoipa::path(post, path = "/api/bookings", tag = "bookings", security(("bearer" = [])), params(("Idempotency-Key" = String, Header, description = "Required; repeats return the first answer")), request_body = CreateBooking, responses((status = 201, description = "Held: seats held until payment_required_by", body = BookingView), (status = 400, description = "No Idempotency-Key", body = Problem, content_type = "application/problem+json"), (status = 409, description = "seat_unavailable (names the seat), sold_out, flight_cancelled, or the key was used for another booking", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<BookingState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    Json(body): Json<CreateBooking>,
) -> Result<Response, ApiError> {
    let key = wayfare_chassis::idempotency::key_from_headers(&headers)?;
    let hash = domain::request_hash(&body);
    if let Some(existing) = store::find_by_key(&state.db, &user.sub, &key).await? {
        return replay(&state, existing, &hash).await;
    }
    let checked = check(&body)?;
    // The flights as they are now: every one bookable, in one cabin with a fare.
    let mut itinerary: Vec<BookedSegment> = Vec::new();
    for id in &checked.segments {
        let flight = state
            .saga
            .flights
            .flight(id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::validation("segments", format!("no flight {id}")))?;
        if flight.status == FlightStatus::Cancelled {
            return Err(ApiError::conflict(
                "flight_cancelled",
                format!("flight {} is cancelled", flight.number),
            ));
        }
        if let Some(previous) = itinerary.last() {
            if previous.destination != flight.origin || previous.arrival.utc >= flight.departure.utc
            {
                return Err(ApiError::validation(
                    "segments",
                    "each flight must leave from where the previous one lands, after it lands",
                ));
            }
        }
        let fare = flight
            .fares
            .iter()
            .find(|f| f.cabin == checked.cabin && f.fare_family == checked.fare_family)
            .ok_or_else(|| {
                ApiError::validation(
                    "cabin",
                    format!(
                        "flight {} sells no {} {} fare",
                        flight.number,
                        checked.cabin.as_str(),
                        checked.fare_family.as_str()
                    ),
                )
            })?;
        itinerary.push(BookedSegment {
            flight_id: flight.id.clone(),
            number: flight.number.clone(),
            origin: flight.origin.clone(),
            destination: flight.destination.clone(),
            departure: flight.departure.clone(),
            arrival: flight.arrival.clone(),
            fare: fare.price,
        });
    }
    let currency = "USD".to_string();
    let fare_total: i64 = checked
        .passengers
        .iter()
        .map(|p| itinerary.iter().map(|s| p.kind.fare(s.fare)).sum::<i64>())
        .sum();
    let now = now_ms();
    let mut booking = Booking {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user.sub.clone(),
        idempotency_key: key.clone(),
        request_hash: hash.clone(),
        pnr: domain::new_pnr(),
        status: BookingStatus::Holding,
        failure_code: None,
        failure_detail: None,
        cabin: checked.cabin,
        fare_family: checked.fare_family,
        contact_email: checked.contact_email.clone(),
        itinerary,
        seats: Vec::new(),
        fare_total,
        seat_total: 0,
        total: fare_total,
        currency,
        payment_method: None,
        payment_attempt: 1,
        payment_id: None,
        refunded_amount: 0,
        seat_credit: 0,
        cancel_reason: None,
        payment_required_by: now + state.saga.hold.as_millis() as i64,
        created_at: now,
        updated_at: now,
        passengers: checked.passengers.clone(),
        tickets: Vec::new(),
    };
    loop {
        match store::insert(&state.db, &booking).await? {
            Inserted::Yes => break,
            Inserted::DuplicatePnr => booking.pnr = domain::new_pnr(),
            Inserted::DuplicateKey => {
                let existing = store::find_by_key(&state.db, &user.sub, &key)
                    .await?
                    .ok_or_else(|| {
                        ApiError::Internal(anyhow::anyhow!("booking for key vanished"))
                    })?;
                return replay(&state, existing, &hash).await;
            }
        }
    }
    metrics::counter!("bookings_total", "status" => "created").increment(1);
    hold_seats(&state, &booking, &checked).await?;
    let settled = store::find(&state.db, &booking.id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("booking vanished")))?;
    Ok(created_response(&settled))
}

/// Holds every seat (all or none) and records the outcome on the booking.
async fn hold_seats(
    state: &BookingState,
    booking: &Booking,
    checked: &Checked,
) -> Result<(), ApiError> {
    let seated: Vec<usize> = (0..booking.passengers.len())
        .filter(|i| booking.passengers[*i].kind.seated())
        .collect();
    let request = HoldRequest {
        booking_id: booking.id.clone(),
        fare_family: booking.fare_family,
        ttl_seconds: state.saga.flight_hold_ttl(),
        segments: booking
            .itinerary
            .iter()
            .map(|s| HoldSegment {
                flight_id: s.flight_id.clone(),
                cabin: booking.cabin,
                seats: checked
                    .seats
                    .iter()
                    .filter(|(_, f, _)| *f == s.flight_id)
                    .map(|(_, _, seat)| seat.clone())
                    .collect(),
                count: seated.len() as u32,
            })
            .collect(),
    };
    let fail = |code: &'static str, detail: serde_json::Value| async move {
        store::transition(
            &state.db,
            &booking.id,
            BookingStatus::Holding,
            BookingStatus::Failed,
            Changes {
                failure: Some((code, &detail.to_string())),
                ..Default::default()
            },
        )
        .await
        .map(|_| ())
    };
    match state.saga.flights.hold(&request).await {
        Ok(HoldResult::Held(view)) => {
            let mut seats = Vec::new();
            for segment in &booking.itinerary {
                let held: Vec<_> = view
                    .seats
                    .iter()
                    .filter(|h| h.flight_id == segment.flight_id)
                    .collect();
                let chosen: Vec<&(usize, String, String)> = checked
                    .seats
                    .iter()
                    .filter(|(_, f, _)| *f == segment.flight_id)
                    .collect();
                let mut auto = held
                    .iter()
                    .filter(|h| !chosen.iter().any(|(_, _, s)| *s == h.seat));
                for passenger in &seated {
                    let assigned = match chosen.iter().find(|(p, _, _)| p == passenger) {
                        Some((_, _, seat)) => held.iter().find(|h| h.seat == *seat).copied(),
                        None => auto.next().copied(),
                    };
                    if let Some(h) = assigned {
                        seats.push(SeatAssignment {
                            passenger: *passenger,
                            flight_id: segment.flight_id.clone(),
                            seat: h.seat.clone(),
                            surcharge: h.surcharge,
                        });
                    }
                }
            }
            let seat_total: i64 = seats.iter().map(|s| s.surcharge).sum();
            store::transition(
                &state.db,
                &booking.id,
                BookingStatus::Holding,
                BookingStatus::Held,
                Changes {
                    seats: Some((&seats, seat_total, booking.fare_total + seat_total)),
                    payment_required_by: Some(now_ms() + state.saga.hold.as_millis() as i64),
                    ..Default::default()
                },
            )
            .await?;
            metrics::counter!("bookings_total", "status" => "held").increment(1);
            Ok(())
        }
        Ok(HoldResult::SeatUnavailable { seat, .. }) => {
            let flight_id = checked
                .seats
                .iter()
                .find(|(_, _, s)| *s == seat)
                .map(|(_, f, _)| f.clone())
                .unwrap_or_default();
            fail(
                "seat_unavailable",
                serde_json::json!({"seat": seat, "flight_id": flight_id}),
            )
            .await
        }
        Ok(HoldResult::Released) => fail("hold_released", serde_json::json!({})).await,
        Ok(HoldResult::Rejected { field, detail }) => {
            let code = if detail.contains("not enough free seats") {
                "sold_out"
            } else {
                "rejected"
            };
            fail(code, serde_json::json!({"field": field, "detail": detail})).await
        }
        Err(err) => {
            tracing::warn!(error = %err, "holding seats failed; releasing whatever was held");
            // The hold may or may not have happened: give back whatever it took.
            let _ = state.saga.flights.release(&booking.id).await;
            fail(
                "flight_unavailable",
                serde_json::json!({"detail": err.to_string()}),
            )
            .await
        }
    }
}

/// A key seen before: 409 if the request differs, else the first answer (waiting for the
/// first request to finish holding).
async fn replay(
    state: &BookingState,
    mut booking: Booking,
    hash: &str,
) -> Result<Response, ApiError> {
    if booking.request_hash != hash {
        return Err(ApiError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different booking",
        ));
    }
    let deadline = Instant::now() + state.duplicate_wait;
    while booking.status == BookingStatus::Holding && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
        booking = store::find(&state.db, &booking.id)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("booking vanished")))?;
    }
    Ok(created_response(&booking))
}

fn created_response(booking: &Booking) -> Response {
    if booking.status != BookingStatus::Failed {
        let status = if booking.status == BookingStatus::Holding {
            StatusCode::ACCEPTED
        } else {
            StatusCode::CREATED
        };
        return (status, axum::Json(booking.view())).into_response();
    }
    let code = booking
        .failure_code
        .clone()
        .unwrap_or_else(|| "failed".into());
    let extra: serde_json::Value = booking
        .failure_detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let (status, detail) = match code.as_str() {
        "seat_unavailable" => (
            StatusCode::CONFLICT,
            format!(
                "seat {} is not available",
                extra["seat"].as_str().unwrap_or("?")
            ),
        ),
        "sold_out" => (
            StatusCode::CONFLICT,
            "not enough free seats in this cabin".to_string(),
        ),
        "flight_unavailable" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the flight service did not answer; nothing was held".to_string(),
        ),
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            extra["detail"]
                .as_str()
                .unwrap_or("the seats could not be held")
                .to_string(),
        ),
    };
    let mut extra = extra;
    if let Some(map) = extra.as_object_mut() {
        map.remove("detail");
        map.insert("booking_id".into(), serde_json::json!(booking.id));
        if code == "rejected" {
            let field = map
                .remove("field")
                .and_then(|f| f.as_str().map(str::to_string))
                .unwrap_or_else(|| "seats".into());
            map.insert("field".into(), serde_json::json!(field));
        }
    }
    let code = if code == "rejected" {
        "validation_failed".to_string()
    } else {
        code
    };
    problem(status, &code, &detail, extra)
}

// ------------------------------------------------------------------------------ confirm

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBooking {
    /// A test payment method of the simulated provider (see the README).
    payment_method: String,
}

async fn owned(state: &BookingState, user_id: &str, id: &str) -> Result<Booking, ApiError> {
    match store::find(&state.db, id).await? {
        Some(b) if b.user_id == user_id && b.status != BookingStatus::Failed => Ok(b),
        _ => Err(ApiError::NotFound(format!("no booking {id}"))),
    }
}

#[tracing::instrument(skip_all, fields(user_id = %user.sub, booking_id = %id))]
#[utoipa::path(post, path = "/api/bookings/{id}/confirm", tag = "bookings", security(("bearer" = [])), params(("id" = String, Path, description = "Booking id"), ("Idempotency-Key" = String, Header, description = "Required")), request_body = ConfirmBooking, responses((status = 200, description = "Confirmed and ticketed", body = BookingView), (status = 202, description = "payment_pending: payment did not answer; settled later", body = BookingView), (status = 402, description = "Declined: still held, retry with another card", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such booking of the caller's", body = Problem, content_type = "application/problem+json"), (status = 409, description = "hold_expired (nothing charged), booking_cancelled", body = Problem, content_type = "application/problem+json")))]
async fn confirm(
    State(state): State<BookingState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<ConfirmBooking>,
) -> Result<Response, ApiError> {
    wayfare_chassis::idempotency::key_from_headers(&headers)?;
    let mut booking = owned(&state, &user.sub, &id).await?;
    let deadline = Instant::now() + state.duplicate_wait;
    loop {
        match booking.status {
            BookingStatus::Confirmed => {
                return Ok((StatusCode::OK, axum::Json(booking.view())).into_response())
            }
            BookingStatus::Cancelled | BookingStatus::Cancelling => {
                return Err(ApiError::conflict(
                    "booking_cancelled",
                    "this booking was cancelled",
                ))
            }
            BookingStatus::Expired => return Err(hold_expired()),
            BookingStatus::Holding | BookingStatus::Failed => {
                return Err(ApiError::conflict(
                    "not_held",
                    "this booking holds no seats",
                ))
            }
            BookingStatus::PaymentPending => {
                if Instant::now() >= deadline {
                    return Ok((StatusCode::ACCEPTED, axum::Json(booking.view())).into_response());
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            BookingStatus::Held => {
                if now_ms() >= booking.payment_required_by {
                    state.saga.expire(&booking).await?;
                    return Err(hold_expired());
                }
                let method = domain::parse_payment_method(&body.payment_method)?;
                if store::transition(
                    &state.db,
                    &booking.id,
                    BookingStatus::Held,
                    BookingStatus::PaymentPending,
                    Changes {
                        payment_method: Some(&method),
                        ..Default::default()
                    },
                )
                .await?
                {
                    booking.payment_method = Some(method);
                    booking.status = BookingStatus::PaymentPending;
                    state.saga.pay(&booking).await?;
                    let after = owned(&state, &user.sub, &id).await?;
                    return Ok(confirm_response(&after));
                }
            }
        }
        booking = owned(&state, &user.sub, &id).await?;
    }
}

fn hold_expired() -> ApiError {
    ApiError::conflict("hold_expired", "the time to pay for this booking has passed; its seats were released and nothing was charged")
}

fn confirm_response(booking: &Booking) -> Response {
    match booking.status {
        BookingStatus::Confirmed => (StatusCode::OK, axum::Json(booking.view())).into_response(),
        BookingStatus::PaymentPending => {
            (StatusCode::ACCEPTED, axum::Json(booking.view())).into_response()
        }
        BookingStatus::Held => {
            let code = booking
                .failure_code
                .clone()
                .unwrap_or_else(|| "payment_declined".into());
            problem(
                StatusCode::PAYMENT_REQUIRED,
                &code,
                "the payment did not go through; the seats stay held until payment_required_by",
                serde_json::json!({"booking": booking.view()}),
            )
        }
        _ => problem(
            StatusCode::CONFLICT,
            "booking_cancelled",
            booking
                .cancel_reason
                .as_deref()
                .unwrap_or("this booking was cancelled"),
            serde_json::json!({"booking": booking.view()}),
        ),
    }
}

// --------------------------------------------------------------------------- read

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/bookings", tag = "bookings", security(("bearer" = [])), params(ListParams), responses((status = 200, description = "The caller's bookings, newest first", body = Page<BookingView>)))]
async fn list(
    State(state): State<BookingState>,
    AuthUser(user): AuthUser,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<BookingView>>, ApiError> {
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let bookings =
        store::list_for_user(&state.db, &user.sub, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        bookings,
        |b| (b.created_at, b.id.as_str()),
        Booking::view,
    )))
}

#[utoipa::path(get, path = "/api/bookings/{id}", tag = "bookings", security(("bearer" = [])), params(("id" = String, Path, description = "Booking id")), responses((status = 200, description = "The booking", body = BookingView), (status = 404, description = "No such booking of the caller's", body = Problem, content_type = "application/problem+json")))]
async fn show(
    State(state): State<BookingState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    Ok(Json(owned(&state, &user.sub, &id).await?.view()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// The 6-character booking reference.
    pnr: Option<String>,
    /// The family name of any passenger (case-insensitive).
    last_name: Option<String>,
}

#[utoipa::path(get, path = "/api/bookings/lookup", tag = "bookings", params(LookupParams), responses((status = 200, description = "A reduced view of the booking", body = BookingSummary), (status = 404, description = "No booking with this reference and name", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many look-ups", body = Problem, content_type = "application/problem+json")))]
async fn lookup(
    State(state): State<BookingState>,
    headers: HeaderMap,
    Query(p): Query<LookupParams>,
) -> Result<Json<BookingSummary>, ApiError> {
    let client = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next_back())
        .map(str::trim)
        .unwrap_or("direct")
        .to_string();
    let per_minute = f64::from(state.lookup_per_minute);
    let decision = state
        .cache
        .take_token(
            &format!("booking-lookup:{client}"),
            per_minute / 60.0,
            state.lookup_per_minute,
        )
        .await;
    if !decision.allowed {
        return Err(ApiError::RateLimited {
            retry_after_seconds: decision.retry_after.as_secs().max(1),
        });
    }
    let pnr = domain::parse_pnr(p.pnr.as_deref().unwrap_or(""))?;
    let last_name = domain::parse_name("last_name", p.last_name.as_deref().unwrap_or(""))?;
    let not_found = || ApiError::NotFound("no booking with this reference and name".into());
    let booking = store::find_by_pnr(&state.db, &pnr)
        .await?
        .ok_or_else(not_found)?;
    if booking.status == BookingStatus::Failed
        || !booking
            .passengers
            .iter()
            .any(|p| p.family_name.to_lowercase() == last_name.to_lowercase())
    {
        return Err(not_found());
    }
    Ok(Json(booking.summary()))
}

// ------------------------------------------------------------------------- change, cancel

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSeats {
    /// The new seats (passengers not listed keep theirs).
    seats: Vec<SeatChoice>,
}

#[tracing::instrument(skip_all, fields(user_id = %user.sub, booking_id = %id))]
#[utoipa::path(put, path = "/api/bookings/{id}/seats", tag = "bookings", security(("bearer" = [])), params(("id" = String, Path, description = "Booking id")), request_body = ChangeSeats, responses((status = 200, description = "Seats changed; a dearer seat's difference is charged on confirmed bookings", body = BookingView), (status = 404, description = "No such booking of the caller's", body = Problem, content_type = "application/problem+json"), (status = 409, description = "seat_unavailable (names the seat), or the booking cannot change", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn change_seats(
    State(state): State<BookingState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ChangeSeats>,
) -> Result<Response, ApiError> {
    let booking = owned(&state, &user.sub, &id).await?;
    if !matches!(
        booking.status,
        BookingStatus::Held | BookingStatus::Confirmed
    ) {
        return Err(ApiError::conflict(
            "not_changeable",
            format!(
                "a {} booking's seats cannot change",
                booking.status.as_str()
            ),
        ));
    }
    if booking.status == BookingStatus::Confirmed && booking.fare_family == FareFamily::Basic {
        return Err(ApiError::conflict(
            "not_changeable",
            "a basic fare's seats cannot change after ticketing",
        ));
    }
    if body.seats.is_empty() || body.seats.len() > 9 * 4 {
        return Err(ApiError::validation("seats", "must list 1 to 36 seats"));
    }
    let mut by_flight: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for choice in &body.seats {
        if !booking
            .itinerary
            .iter()
            .any(|s| s.flight_id == choice.flight_id)
        {
            return Err(ApiError::validation(
                "flight_id",
                format!("{} is not a segment of this booking", choice.flight_id),
            ));
        }
        if choice.passenger >= booking.passengers.len() {
            return Err(ApiError::validation(
                "passenger",
                format!("no passenger {}", choice.passenger),
            ));
        }
        by_flight
            .entry(choice.flight_id.clone())
            .or_default()
            .push((choice.passenger, domain::parse_seat(&choice.seat)?));
    }
    let mut current = booking.clone();
    for (flight_id, wanted) in &by_flight {
        let (seats, diff) = match state.saga.change_seats(&current, flight_id, wanted).await {
            Ok(done) => done,
            Err(ApiError::Conflict {
                code: "seat_unavailable",
                detail,
            }) => {
                let seat = wanted
                    .iter()
                    .map(|(_, s)| s.clone())
                    .find(|s| detail.contains(&format!("seat {s} ")))
                    .unwrap_or_default();
                return Ok(problem(
                    StatusCode::CONFLICT,
                    "seat_unavailable",
                    &detail,
                    serde_json::json!({"seat": seat, "flight_id": flight_id}),
                ));
            }
            Err(err) => return Err(err),
        };
        let seat_total: i64 = seats.iter().map(|s| s.surcharge).sum();
        let (total, credit) = match current.status {
            // Not paid yet: the new price is what confirm will charge.
            BookingStatus::Held => (current.fare_total + seat_total, current.seat_credit),
            // Paid: a dearer seat is charged now; a cheaper one is owed back and refunded
            // with the booking's next refund (documented in the README).
            _ => {
                if diff > 0 {
                    charge_difference(&state, &current, diff).await?;
                }
                (
                    current.total + diff.max(0),
                    current.seat_credit + (-diff).max(0),
                )
            }
        };
        store::transition(
            &state.db,
            &current.id,
            current.status,
            current.status,
            Changes {
                seats: Some((&seats, seat_total, total)),
                seat_credit: Some(credit),
                ..Default::default()
            },
        )
        .await?;
        current = owned(&state, &user.sub, &id).await?;
    }
    Ok((StatusCode::OK, axum::Json(current.view())).into_response())
}

/// Charges a dearer seat's difference on a confirmed booking (its own key per change).
async fn charge_difference(
    state: &BookingState,
    booking: &Booking,
    diff: i64,
) -> Result<(), ApiError> {
    let key = format!("seats-{}-{}-{}", booking.id, booking.total, diff);
    let request = wayfare_payment_api::ChargeRequest {
        user_id: booking.user_id.clone(),
        order_id: booking.id.clone(),
        amount: diff,
        currency: booking.currency.clone(),
        payment_method: booking
            .payment_method
            .clone()
            .unwrap_or_else(|| "pm_card_ok".into()),
    };
    match state
        .saga
        .payment
        .charge(&key, &request)
        .await
        .map_err(ApiError::from)?
    {
        wayfare_payment_api::ChargeResult::Done(view)
            if view.status == wayfare_payment_api::PaymentStatus::Succeeded =>
        {
            // Remembered so a cancellation refunds this payment too (the first one never
            // gives back more than it took).
            store::record_extra_charge(&state.db, &booking.id, &view.id, diff).await
        }
        _ => Err(ApiError::conflict(
            "payment_declined",
            "the seat's surcharge could not be charged",
        )),
    }
}

#[tracing::instrument(skip_all, fields(user_id = %user.sub, booking_id = %id))]
#[utoipa::path(post, path = "/api/bookings/{id}/cancel", tag = "bookings", security(("bearer" = [])), params(("id" = String, Path, description = "Booking id")), responses((status = 200, description = "Cancelled (refunded by fare family, tickets void, seats released); repeating it refunds nothing more", body = BookingView), (status = 404, description = "No such booking of the caller's", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not cancellable", body = Problem, content_type = "application/problem+json")))]
async fn cancel(
    State(state): State<BookingState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    let booking = owned(&state, &user.sub, &id).await?;
    let refund = booking.customer_refund();
    state
        .saga
        .cancel(&booking, refund, saga::reason::BY_CUSTOMER)
        .await?;
    Ok(Json(owned(&state, &user.sub, &id).await?.view()))
}

/// booking's public API, served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare booking", description = "Flight bookings, payment and e-tickets."),
    paths(create, confirm, list, show, lookup, change_seats, cancel),
    modifiers(&BearerAuth, &CommonResponses),
    tags((name = "bookings", description = "Flight bookings"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests;
