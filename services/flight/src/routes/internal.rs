//! flight's internal API, never routed by the gateway; callers present a service token
//! (booking and admin may call). Seat holds for the booking saga (`/internal/seat-holds`) and
//! the operations admin runs on the schedule (`/internal/flights`: create, fares, delay,
//! cancel, and the feed of cancellations booking follows).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{ApiError, Json};
use wayfare_flight_api::{
    Cabin, CancelledFlight, ChangeSeatsRequest, FlightStatus, FlightView, HoldRequest, HoldView,
};

use super::FlightState;
use crate::domain::{self, aircraft};
use crate::error::FlightError;
use crate::store::{self, holds, CabinFares, FlightRow, NewFlight};

/// Who may call flight's internal API.
pub const ALLOWED_CALLERS: &[&str] = &["booking", "admin"];

pub fn router(state: FlightState) -> Router {
    Router::new()
        .route("/internal/seat-holds", post(hold))
        .route("/internal/seat-holds/{booking_id}", get(show_hold))
        .route("/internal/seat-holds/{booking_id}/commit", post(commit))
        .route("/internal/seat-holds/{booking_id}/release", post(release))
        .route("/internal/seat-holds/{booking_id}/change", post(change))
        .route("/internal/flights", post(create_flight))
        .route("/internal/flights/cancelled", get(cancelled))
        .route("/internal/flights/{id}/fares", put(set_fares))
        .route("/internal/flights/{id}/delay", post(delay))
        .route("/internal/flights/{id}/cancel", post(cancel))
        .with_state(state)
}

fn outcome(result: holds::HoldOutcome) -> Result<Json<HoldView>, FlightError> {
    match result {
        holds::HoldOutcome::Held(view) => Ok(Json(view)),
        holds::HoldOutcome::SeatUnavailable { flight_id, seat } => {
            metrics::counter!("flight_seat_holds_total", "result" => "seat_unavailable")
                .increment(1);
            Err(FlightError::SeatUnavailable { flight_id, seat })
        }
        holds::HoldOutcome::SoldOut { flight_id } => {
            metrics::counter!("flight_seat_holds_total", "result" => "sold_out").increment(1);
            Err(FlightError::SoldOut { flight_id })
        }
        holds::HoldOutcome::Released => Err(FlightError::HoldReleased),
    }
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, booking_id = %body.booking_id))]
async fn hold(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Json(body): Json<HoldRequest>,
) -> Result<Json<HoldView>, FlightError> {
    if let Some(existing) = holds::find(&state.db, &body.booking_id).await? {
        // Idempotent per booking id: the first answer, whatever the body says now.
        return outcome(match existing.status {
            wayfare_flight_api::HoldStatus::Released => holds::HoldOutcome::Released,
            _ => holds::HoldOutcome::Held(existing),
        });
    }
    let segments = holds::check(&state.db, &body).await?;
    let result = holds::hold(&state.db, &body, &segments).await?;
    if matches!(result, holds::HoldOutcome::Held(_)) {
        metrics::counter!("flight_seat_holds_total", "result" => "held").increment(1);
    }
    outcome(result)
}

async fn show_hold(
    State(state): State<FlightState>,
    _caller: ServiceCaller,
    Path(booking_id): Path<String>,
) -> Result<Json<HoldView>, FlightError> {
    holds::find(&state.db, &booking_id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            FlightError::Api(ApiError::NotFound(format!(
                "no seat hold for booking {booking_id}"
            )))
        })
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, booking_id = %booking_id))]
async fn commit(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(booking_id): Path<String>,
) -> Result<Json<HoldView>, FlightError> {
    match holds::commit(&state.db, &booking_id).await? {
        holds::CommitOutcome::Sold(view) => Ok(Json(view)),
        holds::CommitOutcome::Released => Err(FlightError::HoldReleased),
        holds::CommitOutcome::NotFound => Err(FlightError::Api(ApiError::NotFound(format!(
            "no seat hold for booking {booking_id}"
        )))),
    }
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, booking_id = %booking_id))]
async fn release(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(booking_id): Path<String>,
) -> Result<Json<serde_json::Value>, FlightError> {
    let returned = holds::release(&state.db, &booking_id, false).await?;
    Ok(Json(
        serde_json::json!({"booking_id": booking_id, "status": "released", "returned_seats": returned}),
    ))
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, booking_id = %booking_id))]
async fn change(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(booking_id): Path<String>,
    Json(body): Json<ChangeSeatsRequest>,
) -> Result<Json<HoldView>, FlightError> {
    let flight = store::flight(&state.db, &body.flight_id)
        .await?
        .ok_or_else(|| {
            ApiError::validation("flight_id", format!("no flight {}", body.flight_id))
        })?;
    if flight.status == FlightStatus::Cancelled {
        return Err(ApiError::conflict(
            "flight_cancelled",
            format!("flight {} is cancelled", flight.number),
        )
        .into());
    }
    if flight.departure_at <= wayfare_chassis::db::now_ms() {
        return Err(ApiError::conflict(
            "flight_departed",
            format!("flight {} has departed", flight.number),
        )
        .into());
    }
    let plane = aircraft::aircraft(&flight.aircraft).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("unknown aircraft {}", flight.aircraft))
    })?;
    outcome(holds::change(&state.db, &booking_id, &body, plane).await?)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FareInput {
    pub cabin: Cabin,
    pub basic: i64,
    pub standard: i64,
    pub flex: i64,
    #[serde(default = "usd")]
    pub currency: String,
}

fn usd() -> String {
    "USD".into()
}

impl FareInput {
    pub(crate) fn check(&self) -> Result<CabinFares, ApiError> {
        if self.basic <= 0 || self.standard <= 0 || self.flex <= 0 {
            return Err(ApiError::validation(
                "fares",
                "prices must be positive minor units",
            ));
        }
        if !wayfare_chassis::money::is_currency(&self.currency) {
            return Err(ApiError::validation("currency", "must be an ISO 4217 code"));
        }
        Ok(CabinFares {
            cabin: self.cabin,
            prices: (self.basic, self.standard, self.flex),
            currency: self.currency.clone(),
        })
    }
}

/// The body of `POST /internal/flights`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateFlight {
    /// `WF 123`.
    pub number: String,
    pub origin: String,
    pub destination: String,
    /// RFC 3339 (any offset).
    pub departure: String,
    pub duration_minutes: i64,
    /// `A321` or `B789`.
    pub aircraft: String,
    /// One entry per cabin the aircraft has.
    pub fares: Vec<FareInput>,
}

/// A new flight from its parts, every one checked: known airports that differ, a future
/// departure, a duration of 20 minutes to a day, a known aircraft, fares for its cabins.
pub(crate) fn plan_flight(
    state: &FlightState,
    body: &CreateFlight,
    departure: i64,
) -> Result<NewFlight, FlightError> {
    let number = domain::parse_flight_number(&body.number)?;
    let origin = state.known("origin", Some(&body.origin))?.code.clone();
    let destination = state
        .known("destination", Some(&body.destination))?
        .code
        .clone();
    if origin == destination {
        return Err(ApiError::validation("destination", "must differ from the origin").into());
    }
    if departure <= wayfare_chassis::db::now_ms() {
        return Err(ApiError::validation("departure", "must be in the future").into());
    }
    if !(20..=24 * 60).contains(&body.duration_minutes) {
        return Err(ApiError::validation("duration_minutes", "must be 20 to 1440").into());
    }
    let plane = aircraft::aircraft(&body.aircraft)
        .ok_or_else(|| ApiError::validation("aircraft", "must be one of A321, B789"))?;
    let mut fares = Vec::new();
    for fare in &body.fares {
        if !plane.has_cabin(fare.cabin) {
            return Err(ApiError::validation(
                "fares",
                format!("{} has no {} cabin", plane.code, fare.cabin.as_str()),
            )
            .into());
        }
        fares.push(fare.check()?);
    }
    if fares.is_empty() {
        return Err(ApiError::validation("fares", "at least one cabin needs fares").into());
    }
    Ok(NewFlight {
        row: FlightRow {
            id: uuid::Uuid::now_v7().to_string(),
            number,
            origin,
            destination,
            departure_at: departure,
            arrival_at: departure + body.duration_minutes * 60_000,
            aircraft: plane.code.to_string(),
            status: FlightStatus::Scheduled,
            delay_minutes: 0,
            cancel_reason: None,
        },
        fares,
    })
}

#[tracing::instrument(skip_all, fields(caller = %caller.0))]
async fn create_flight(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Json(body): Json<CreateFlight>,
) -> Result<(StatusCode, Json<FlightView>), FlightError> {
    let departure = chrono::DateTime::parse_from_rfc3339(&body.departure)
        .map_err(|_| ApiError::validation("departure", "must be an RFC 3339 time"))?
        .timestamp_millis();
    let flight = plan_flight(&state, &body, departure)?;
    if !store::insert_flight(&state.db, &flight).await? {
        return Err(ApiError::conflict(
            "duplicate_flight",
            "this flight number already departs at that time",
        )
        .into());
    }
    tracing::info!(flight_id = %flight.row.id, number = %flight.row.number, "flight created");
    Ok((
        StatusCode::CREATED,
        Json(state.view(&flight.row, &flight.fares)),
    ))
}

async fn existing(state: &FlightState, id: &str) -> Result<FlightRow, ApiError> {
    store::flight(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no flight {id}")))
}

async fn current_view(state: &FlightState, id: &str) -> Result<Json<FlightView>, FlightError> {
    let flight = existing(state, id).await?;
    let fares = store::fares(&state.db, std::slice::from_ref(&flight.id), None).await?;
    Ok(Json(state.view(
        &flight,
        fares.get(&flight.id).map(Vec::as_slice).unwrap_or(&[]),
    )))
}

async fn set_fares(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(id): Path<String>,
    Json(body): Json<FareInput>,
) -> Result<Json<FlightView>, FlightError> {
    let flight = existing(&state, &id).await?;
    let plane = aircraft::aircraft(&flight.aircraft)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown aircraft")))?;
    if !plane.has_cabin(body.cabin) {
        return Err(ApiError::validation(
            "cabin",
            format!("{} has no {} cabin", plane.code, body.cabin.as_str()),
        )
        .into());
    }
    store::set_fares(&state.db, &id, &body.check()?).await?;
    tracing::info!(caller = %caller.0, flight_id = %id, cabin = body.cabin.as_str(), "fares changed");
    current_view(&state, &id).await
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayRequest {
    pub minutes: i64,
}

async fn delay(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(id): Path<String>,
    Json(body): Json<DelayRequest>,
) -> Result<Json<FlightView>, FlightError> {
    if !(1..=48 * 60).contains(&body.minutes) {
        return Err(ApiError::validation("minutes", "must be 1 to 2880").into());
    }
    existing(&state, &id).await?;
    if !store::delay(&state.db, &id, body.minutes).await? {
        return Err(
            ApiError::conflict("flight_cancelled", "a cancelled flight cannot be delayed").into(),
        );
    }
    tracing::info!(caller = %caller.0, flight_id = %id, minutes = body.minutes, "flight delayed");
    current_view(&state, &id).await
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Shown to travellers; a generic reason when absent.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The reason a cancellation without one gets.
const DEFAULT_CANCEL_REASON: &str = "operational reasons";

async fn cancel(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(id): Path<String>,
    Json(body): Json<CancelRequest>,
) -> Result<Json<FlightView>, FlightError> {
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .unwrap_or(DEFAULT_CANCEL_REASON);
    if reason.is_empty() || reason.len() > 500 {
        return Err(ApiError::validation("reason", "must be 1 to 500 characters").into());
    }
    existing(&state, &id).await?;
    if store::cancel(&state.db, &id, reason).await? {
        store::admin::bump_version(&state.db, &id).await?;
        metrics::counter!("flight_cancellations_total").increment(1);
        tracing::info!(caller = %caller.0, flight_id = %id, "flight cancelled");
    }
    current_view(&state, &id).await
}

#[derive(Debug, Deserialize)]
pub struct CancelledParams {
    since_ms: Option<i64>,
}

async fn cancelled(
    State(state): State<FlightState>,
    _caller: ServiceCaller,
    Query(p): Query<CancelledParams>,
) -> Result<Json<Vec<CancelledFlight>>, FlightError> {
    Ok(Json(
        store::cancelled_since(&state.db, p.since_ms.unwrap_or(0)).await?,
    ))
}
