//! The typed client for flight, used by services that book seats: the [`Flights`] trait
//! (what callers hold, so they can be tested against a fake) and its HTTP implementation
//! [`FlightClient`]. Seat-hold calls must be made with a client carrying the caller's service
//! identity.

use futures::future::BoxFuture;
use http::Method;
use wayfare_chassis::client::{path, ClientError, Outbound, ServiceClient};
use wayfare_chassis::error::Problem;

use crate::{CancelledFlight, ChangeSeatsRequest, FlightView, HoldRequest, HoldView};

/// What a hold, change or commit came to.
#[derive(Debug, Clone, PartialEq)]
pub enum HoldResult {
    Held(HoldView),
    /// This seat (`12A` on a flight) is held or sold already; nothing was held.
    SeatUnavailable {
        seat: String,
        detail: String,
    },
    /// The booking's hold was released (expired or cancelled) and cannot be used.
    Released,
    /// flight refused the request (unknown flight, cancelled flight, bad seat): the detail
    /// and the field it names.
    Rejected {
        field: Option<String>,
        detail: String,
    },
}

/// What callers need from flight.
///
/// Boxed futures rather than `async fn`s so callers can hold an `Arc<dyn Flights>` (the HTTP
/// client in every mode, an in-memory fake in unit tests), as catalog's and payment's do.
pub trait Flights: Send + Sync {
    /// The flight, or `None` when it does not exist.
    fn flight<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<FlightView>, ClientError>>;

    /// Holds seats on every segment for a booking, all or none (idempotent per booking id).
    fn hold<'a>(
        &'a self,
        request: &'a HoldRequest,
    ) -> BoxFuture<'a, Result<HoldResult, ClientError>>;

    /// The booking's hold as it is now, if it has one.
    fn find_hold<'a>(
        &'a self,
        booking_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<HoldView>, ClientError>>;

    /// Makes the booking's held seats sold.
    fn commit<'a>(&'a self, booking_id: &'a str) -> BoxFuture<'a, Result<HoldResult, ClientError>>;

    /// Moves seats of a booking (the new seat is taken before the old one is given back).
    fn change<'a>(
        &'a self,
        booking_id: &'a str,
        request: &'a ChangeSeatsRequest,
    ) -> BoxFuture<'a, Result<HoldResult, ClientError>>;

    /// Gives every seat of the booking back (idempotent; fine when nothing is held).
    fn release<'a>(&'a self, booking_id: &'a str) -> BoxFuture<'a, Result<(), ClientError>>;

    /// Flights cancelled at or after `since_ms` (Unix ms), oldest first.
    fn cancelled_since(
        &self,
        since_ms: i64,
    ) -> BoxFuture<'_, Result<Vec<CancelledFlight>, ClientError>>;
}

/// Reads go through `public` (no credentials), seat holds through `http` (signed).
#[derive(Clone)]
pub struct FlightClient {
    http: ServiceClient,
    public: ServiceClient,
}

impl FlightClient {
    pub fn new(internal: ServiceClient, public: ServiceClient) -> Self {
        Self {
            http: internal,
            public,
        }
    }

    pub async fn flight(&self, id: &str) -> Result<Option<FlightView>, ClientError> {
        match self.public.get_json(&path(&["api", "flights", id])).await {
            Ok(flight) => Ok(Some(flight)),
            Err(ClientError::Status { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    pub async fn hold(&self, request: &HoldRequest) -> Result<HoldResult, ClientError> {
        let outbound = keyed(
            Outbound::json(Method::POST, "/internal/seat-holds", request),
            &request.booking_id,
        );
        self.hold_call(outbound).await
    }

    pub async fn find_hold(&self, booking_id: &str) -> Result<Option<HoldView>, ClientError> {
        match self
            .http
            .get_json(&path(&["internal", "seat-holds", booking_id]))
            .await
        {
            Ok(view) => Ok(Some(view)),
            Err(ClientError::Status { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    pub async fn commit(&self, booking_id: &str) -> Result<HoldResult, ClientError> {
        let outbound = keyed(
            Outbound::json(
                Method::POST,
                path(&["internal", "seat-holds", booking_id, "commit"]),
                &serde_json::json!({}),
            ),
            booking_id,
        );
        self.hold_call(outbound).await
    }

    pub async fn change(
        &self,
        booking_id: &str,
        request: &ChangeSeatsRequest,
    ) -> Result<HoldResult, ClientError> {
        // Not keyed: a change is not safe to repeat blindly (the second would find the old
        // seat gone), so the client never retries it.
        let outbound = Outbound::json(
            Method::POST,
            path(&["internal", "seat-holds", booking_id, "change"]),
            request,
        );
        self.hold_call(outbound).await
    }

    pub async fn release(&self, booking_id: &str) -> Result<(), ClientError> {
        let outbound = keyed(
            Outbound::json(
                Method::POST,
                path(&["internal", "seat-holds", booking_id, "release"]),
                &serde_json::json!({}),
            ),
            booking_id,
        );
        let response = self.http.send(outbound).await?;
        self.http
            .read_json::<serde_json::Value>(response)
            .await
            .map(|_| ())
    }

    pub async fn cancelled_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<CancelledFlight>, ClientError> {
        self.http
            .get_json(&format!("/internal/flights/cancelled?since_ms={since_ms}"))
            .await
    }

    async fn hold_call(&self, outbound: Outbound) -> Result<HoldResult, ClientError> {
        let response = self.http.send(outbound).await?;
        match self.http.read_json::<HoldView>(response).await {
            Ok(view) => Ok(HoldResult::Held(view)),
            Err(ClientError::Status {
                status: 409,
                ref body,
                ..
            }) => {
                let problem = serde_json::from_str::<Problem>(body).ok();
                match problem.as_ref().map(|p| p.code.as_str()) {
                    Some("seat_unavailable") => {
                        let value: serde_json::Value =
                            serde_json::from_str(body).unwrap_or_default();
                        Ok(HoldResult::SeatUnavailable {
                            seat: value["seat"].as_str().unwrap_or_default().to_string(),
                            detail: problem.map(|p| p.detail).unwrap_or_default(),
                        })
                    }
                    Some("hold_released") => Ok(HoldResult::Released),
                    _ => Ok(HoldResult::Rejected {
                        field: None,
                        detail: problem.map(|p| p.detail).unwrap_or_default(),
                    }),
                }
            }
            Err(ClientError::Status {
                status: 422 | 404,
                ref body,
                ..
            }) => {
                let problem = serde_json::from_str::<Problem>(body).ok();
                Ok(HoldResult::Rejected {
                    field: problem.as_ref().and_then(|p| p.field.clone()),
                    detail: problem.map(|p| p.detail).unwrap_or_else(|| body.clone()),
                })
            }
            Err(err) => Err(err),
        }
    }
}

fn keyed(mut outbound: Outbound, key: &str) -> Outbound {
    if let Ok(value) = http::HeaderValue::from_str(key) {
        outbound.headers.insert("idempotency-key", value);
    }
    outbound
}

impl Flights for FlightClient {
    fn flight<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<FlightView>, ClientError>> {
        Box::pin(FlightClient::flight(self, id))
    }

    fn hold<'a>(
        &'a self,
        request: &'a HoldRequest,
    ) -> BoxFuture<'a, Result<HoldResult, ClientError>> {
        Box::pin(FlightClient::hold(self, request))
    }

    fn find_hold<'a>(
        &'a self,
        booking_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<HoldView>, ClientError>> {
        Box::pin(FlightClient::find_hold(self, booking_id))
    }

    fn commit<'a>(&'a self, booking_id: &'a str) -> BoxFuture<'a, Result<HoldResult, ClientError>> {
        Box::pin(FlightClient::commit(self, booking_id))
    }

    fn change<'a>(
        &'a self,
        booking_id: &'a str,
        request: &'a ChangeSeatsRequest,
    ) -> BoxFuture<'a, Result<HoldResult, ClientError>> {
        Box::pin(FlightClient::change(self, booking_id, request))
    }

    fn release<'a>(&'a self, booking_id: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(FlightClient::release(self, booking_id))
    }

    fn cancelled_since(
        &self,
        since_ms: i64,
    ) -> BoxFuture<'_, Result<Vec<CancelledFlight>, ClientError>> {
        Box::pin(FlightClient::cancelled_since(self, since_ms))
    }
}
