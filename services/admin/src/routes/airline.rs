//! The airline's back office: flights with their load factor, schedules, fares and delays,
//! cancellations (every booking on the flight cancelled and refunded in full, through
//! booking), and bookings.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use wayfare_chassis::client::path;
use wayfare_chassis::{ApiError, Json};

use super::{audited, forward_query, read, record, write_request, AdminState, Change, Staff};

pub fn router() -> Router<AdminState> {
    Router::new()
        .route("/api/admin/flights", get(list_flights).post(create_flight))
        .route(
            "/api/admin/flights/{id}",
            get(show_flight).patch(update_flight),
        )
        .route("/api/admin/flights/{id}/cancel", post(cancel_flight))
        .route("/api/admin/schedules", post(create_schedule))
        .route("/api/admin/bookings", get(list_bookings))
        .route("/api/admin/bookings/{id}", get(show_booking))
        .route("/api/admin/bookings/{id}/cancel", post(cancel_booking))
}

/// Flight list filters.
// Parsed to check the query's types and to document it; the raw query is what is forwarded.
#[allow(dead_code)]
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlightParams {
    /// Departing at or after: RFC 3339, a date, or Unix ms.
    from: Option<String>,
    /// Departing before (a date includes that day).
    to: Option<String>,
    /// Origin airport (IATA).
    origin: Option<String>,
    /// Destination airport (IATA).
    destination: Option<String>,
    /// scheduled, delayed or cancelled.
    status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[utoipa::path(get, operation_id = "admin_list_flights", path = "/api/admin/flights", tag = "admin", security(("bearer" = [])), params(FlightParams), responses((status = 200, description = "Flights by departure, each with its load factor", body = Object)))]
pub async fn list_flights(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(_params): Query<FlightParams>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = forward_query(query.as_deref())?;
    Ok(read(&state, "flight", format!("/internal/admin/flights{query}")).await)
}

#[utoipa::path(post, operation_id = "admin_create_flight", path = "/api/admin/flights", tag = "admin", security(("bearer" = [])), request_body = Object, responses((status = 201, description = "The flight created", body = Object)))]
pub async fn create_flight(
    State(state): State<AdminState>,
    staff: Staff,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let change = Change {
        service: "flight",
        action: "flight.create",
        target_type: "flight",
        target_id: None,
        before: None,
    };
    let request = write_request(Method::POST, "/internal/flights".into(), &body, &headers);
    audited(&state, &staff, change, request).await
}

#[utoipa::path(get, operation_id = "admin_show_flight", path = "/api/admin/flights/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Flight id")), responses((status = 200, description = "The flight with its load factor; its version is the ETag", body = Object)))]
pub async fn show_flight(
    State(state): State<AdminState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Response {
    read(
        &state,
        "flight",
        path(&["internal", "admin", "flights", &id]),
    )
    .await
}

#[utoipa::path(patch, operation_id = "admin_update_flight", path = "/api/admin/flights/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Flight id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on")), request_body = Object, responses((status = 200, description = "Fares changed, or delayed (`departs_at`/`arrives_at`; bookings show the new times)", body = Object)))]
pub async fn update_flight(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let at = path(&["internal", "admin", "flights", &id]);
    let delays = body.get("departs_at").is_some() || body.get("arrives_at").is_some();
    let change = Change {
        service: "flight",
        action: if delays {
            "flight.delay"
        } else {
            "flight.update"
        },
        target_type: "flight",
        target_id: Some(id),
        before: Some(at.clone()),
    };
    audited(
        &state,
        &staff,
        change,
        write_request(Method::PATCH, at, &body, &headers),
    )
    .await
}

/// Cancels a flight: flight marks it cancelled (idempotent), then booking cancels every
/// booking on it with a full refund. Both steps are idempotent and resumable, so a retried
/// cancel, or one whose admin process died half-way, refunds each booking exactly once; and
/// booking's own follower of flight cancellations finishes the job if this call cannot.
#[utoipa::path(post, operation_id = "admin_cancel_flight", path = "/api/admin/flights/{id}/cancel", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Flight id")), request_body(content = Option<Object>, description = "Optional `{\"reason\"}`, shown to travellers"), responses((status = 200, description = "Cancelled; `bookings` counts the bookings cancelled and refunded now (null when booking will finish it shortly)", body = Object)))]
pub async fn cancel_flight(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body = optional_object(&body)?;
    let at = path(&["internal", "admin", "flights", &id]);
    let before = match state.services.get_json("flight", at.clone()).await {
        Ok(flight) => flight,
        Err(answer) => return Ok(answer.into_response()),
    };
    let cancelled = state
        .services
        .call(
            "flight",
            write_request(
                Method::POST,
                path(&["internal", "flights", &id, "cancel"]),
                &body,
                &HeaderMap::new(),
            ),
        )
        .await?;
    if !cancelled.status.is_success() {
        return Ok(cancelled.into_response());
    }
    let bookings_at = path(&["internal", "admin", "flights", &id, "cancel-bookings"]);
    let bookings = match state
        .services
        .call(
            "booking",
            write_request(
                Method::POST,
                bookings_at,
                // The travellers see the airline's reason.
                &match body.get("reason") {
                    Some(reason) => serde_json::json!({ "reason": reason }),
                    None => serde_json::json!({}),
                },
                &HeaderMap::new(),
            ),
        )
        .await
    {
        Ok(answer) if answer.status.is_success() => answer.json(),
        Ok(answer) => {
            tracing::warn!(flight_id = %id, status = %answer.status, "booking did not cancel the flight's bookings now; its follower will");
            None
        }
        Err(err) => {
            tracing::warn!(flight_id = %id, error = %err, "booking did not cancel the flight's bookings now; its follower will");
            None
        }
    };
    let flight = match state.services.get_json("flight", at).await {
        Ok(flight) => flight,
        Err(_) => cancelled.json().unwrap_or_default(),
    };
    let mut after = flight.clone();
    if let Some(object) = after.as_object_mut() {
        object.insert(
            "bookings".into(),
            bookings.unwrap_or(serde_json::Value::Null),
        );
    }
    let change = Change {
        service: "flight",
        action: "flight.cancel",
        target_type: "flight",
        target_id: Some(id.clone()),
        before: None,
    };
    record(
        &state,
        &staff,
        &change,
        id,
        Some(before),
        Some(after.clone()),
    )
    .await?;
    Ok(axum::Json(after).into_response())
}

#[utoipa::path(post, operation_id = "admin_create_schedule", path = "/api/admin/schedules", tag = "admin", security(("bearer" = [])), request_body = Object, responses((status = 201, description = "Every flight of the schedule created (`created`, `existing`, `flights`)", body = Object)))]
pub async fn create_schedule(
    State(state): State<AdminState>,
    staff: Staff,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let flight_number = body
        .get("flight_number")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let change = Change {
        service: "flight",
        action: "schedule.create",
        target_type: "schedule",
        target_id: Some(flight_number),
        before: None,
    };
    let request = write_request(
        Method::POST,
        "/internal/admin/schedules".into(),
        &body,
        &headers,
    );
    audited(&state, &staff, change, request).await
}

/// Booking search filters.
// Parsed to check the query's types and to document it; the raw query is what is forwarded.
#[allow(dead_code)]
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingParams {
    /// The booking reference.
    #[param(max_length = 16)]
    pnr: Option<String>,
    /// A passenger's family or given name.
    #[param(max_length = 100)]
    name: Option<String>,
    /// Bookings on this flight.
    flight_id: Option<String>,
    status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[utoipa::path(get, operation_id = "admin_list_bookings", path = "/api/admin/bookings", tag = "admin", security(("bearer" = [])), params(BookingParams), responses((status = 200, description = "Bookings, newest first", body = Object)))]
pub async fn list_bookings(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(_params): Query<BookingParams>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = forward_query(query.as_deref())?;
    Ok(read(
        &state,
        "booking",
        format!("/internal/admin/bookings{query}"),
    )
    .await)
}

#[utoipa::path(get, operation_id = "admin_show_booking", path = "/api/admin/bookings/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Booking id")), responses((status = 200, description = "The booking", body = Object)))]
pub async fn show_booking(
    State(state): State<AdminState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Response {
    read(
        &state,
        "booking",
        path(&["internal", "admin", "bookings", &id]),
    )
    .await
}

#[utoipa::path(post, operation_id = "admin_cancel_booking", path = "/api/admin/bookings/{id}/cancel", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Booking id")), request_body(content = Option<Object>, description = "Optional `{\"reason\"}`"), responses((status = 200, description = "Cancelled with the refund its fare family gives", body = Object)))]
pub async fn cancel_booking(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let at = path(&["internal", "admin", "bookings", &id]);
    let change = Change {
        service: "booking",
        action: "booking.cancel",
        target_type: "booking",
        target_id: Some(id.clone()),
        before: Some(at.clone()),
    };
    let body = optional_object(&body)?;
    let request = write_request(Method::POST, format!("{at}/cancel"), &body, &headers);
    audited(&state, &staff, change, request).await
}

/// An optional body: none, or a JSON object such as `{"reason": "..."}`.
fn optional_object(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::json!({}));
    }
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
        .map(serde_json::Value::Object)
        .map_err(|_| ApiError::BadRequest("the body must be a JSON object, or empty".into()))
}
