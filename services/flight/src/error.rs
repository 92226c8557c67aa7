//! flight's errors and the status each maps to. Most failures are plain [`ApiError`]s; the
//! seat-hold conflicts carry the seat and flight so a client can point at them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use wayfare_chassis::error::{Problem, PROBLEM_JSON};
use wayfare_chassis::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum FlightError {
    /// 409 `seat_unavailable`: the seat is held or sold; the body names `seat` and `flight_id`.
    #[error("seat {seat} on flight {flight_id} is not available")]
    SeatUnavailable { flight_id: String, seat: String },
    /// 409 `sold_out`: not enough free seats in the cabin.
    #[error("not enough free seats in this cabin on flight {flight_id}")]
    SoldOut { flight_id: String },
    /// 409 `hold_released`: the booking's hold was released (expired or cancelled).
    #[error("this booking's seat hold was released")]
    HoldReleased,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sqlx::Error> for FlightError {
    fn from(err: sqlx::Error) -> Self {
        FlightError::Api(err.into())
    }
}

impl IntoResponse for FlightError {
    fn into_response(self) -> Response {
        let (code, extra) = match &self {
            FlightError::SeatUnavailable { flight_id, seat } => (
                "seat_unavailable",
                serde_json::json!({"seat": seat, "flight_id": flight_id}),
            ),
            FlightError::SoldOut { flight_id } => {
                ("sold_out", serde_json::json!({"flight_id": flight_id}))
            }
            FlightError::HoldReleased => ("hold_released", serde_json::json!({})),
            FlightError::Api(_) => {
                let FlightError::Api(api) = self else {
                    unreachable!()
                };
                return api.into_response();
            }
        };
        let mut body =
            serde_json::to_value(Problem::new(StatusCode::CONFLICT, code, self.to_string()))
                .expect("a problem serialises");
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let mut response = (StatusCode::CONFLICT, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}
