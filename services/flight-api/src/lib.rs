//! flight's contract: the wire types other services exchange with flight (flights and their
//! local times, seat holds of the internal API, cabins and fare families) and its typed client,
//! split into the [`Flights`] trait callers hold and the HTTP implementation [`FlightClient`].
//! Depends on nothing of the flight service; flight re-exports these types, so its routes
//! serialize exactly what this crate describes.

pub mod client;

use serde::{Deserialize, Serialize};

pub use client::{FlightClient, Flights, HoldResult};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Cabin {
    Economy,
    PremiumEconomy,
    Business,
}

impl Cabin {
    pub const ALL: [Cabin; 3] = [Cabin::Economy, Cabin::PremiumEconomy, Cabin::Business];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Economy => "economy",
            Self::PremiumEconomy => "premium_economy",
            Self::Business => "business",
        }
    }

    pub fn parse(value: &str) -> Option<Cabin> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// What a fare allows (the refund table is in the README and docs/API.md):
///
/// | family | refund on cancel | seat selection |
/// |---|---|---|
/// | `basic` | none | every chosen seat is charged |
/// | `standard` | fare minus a fee ([`STANDARD_CANCEL_FEE`] per passenger and segment) | only extra-legroom and exit seats are charged |
/// | `flex` | everything | only extra-legroom and exit seats are charged |
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FareFamily {
    Basic,
    Standard,
    Flex,
}

/// The fee a `standard` fare keeps on cancellation, per passenger and segment (minor units).
pub const STANDARD_CANCEL_FEE: i64 = 7_500;

impl FareFamily {
    pub const ALL: [FareFamily; 3] = [FareFamily::Basic, FareFamily::Standard, FareFamily::Flex];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Standard => "standard",
            Self::Flex => "flex",
        }
    }

    pub fn parse(value: &str) -> Option<FareFamily> {
        Self::ALL.into_iter().find(|f| f.as_str() == value)
    }

    /// What a customer-initiated cancellation gives back of `fares` (the fare part of a
    /// booking, minor units) for `tickets` passenger-segments. Seat surcharges follow the same
    /// rule as the fare.
    pub fn refund(self, paid: i64, tickets: i64) -> i64 {
        match self {
            Self::Basic => 0,
            Self::Standard => (paid - STANDARD_CANCEL_FEE * tickets).max(0),
            Self::Flex => paid,
        }
    }

    /// Whether choosing a plain (not extra-legroom) seat costs extra on this fare.
    pub fn charges_plain_seats(self) -> bool {
        self == Self::Basic
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlightStatus {
    Scheduled,
    Delayed,
    Cancelled,
}

impl FlightStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Delayed => "delayed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> FlightStatus {
        match value {
            "delayed" => Self::Delayed,
            "cancelled" => Self::Cancelled,
            _ => Self::Scheduled,
        }
    }
}

/// An airport's end of a flight: the instant in UTC and the wall-clock time there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FlightTime {
    pub airport: String,
    /// RFC 3339 UTC.
    pub utc: String,
    /// RFC 3339 with the airport's offset, e.g. `2026-12-01T10:00:00+09:00`.
    pub local: String,
    /// The local date (`YYYY-MM-DD`).
    pub local_date: String,
    /// The airport's UTC offset at that instant, e.g. `+09:00`.
    pub utc_offset: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Fare {
    pub cabin: Cabin,
    pub fare_family: FareFamily,
    /// Per passenger, minor units.
    pub price: i64,
    pub currency: String,
}

/// A flight as `GET /api/flights/{id}` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FlightView {
    pub id: String,
    /// E.g. `WF 123`.
    pub number: String,
    pub origin: String,
    pub destination: String,
    pub departure: FlightTime,
    pub arrival: FlightTime,
    pub duration_minutes: i64,
    pub aircraft: String,
    pub status: FlightStatus,
    pub delay_minutes: i64,
    pub cancel_reason: Option<String>,
    pub fares: Vec<Fare>,
}

/// One segment of a hold request: explicit seats, or `count` seats auto-assigned side by side.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HoldSegment {
    pub flight_id: String,
    pub cabin: Cabin,
    /// Designators (`12A`) to hold; the rest of `count` is auto-assigned.
    #[serde(default)]
    pub seats: Vec<String>,
    /// How many seats in all on this segment (one per seated passenger).
    pub count: u32,
}

/// The body of `POST /internal/seat-holds` (idempotent per `booking_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    pub booking_id: String,
    pub fare_family: FareFamily,
    pub segments: Vec<HoldSegment>,
    pub ttl_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    Held,
    Sold,
    Released,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HeldSeat {
    pub flight_id: String,
    pub seat: String,
    pub cabin: Cabin,
    /// What the seat costs on the hold's fare family (0 for auto-assigned seats).
    pub surcharge: i64,
    pub status: HoldStatus,
}

/// A booking's seats on every segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HoldView {
    pub booking_id: String,
    pub status: HoldStatus,
    pub expires_at: String,
    pub seats: Vec<HeldSeat>,
}

/// The body of `POST /internal/seat-holds/{booking_id}/change`: move seats on one flight.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSeatsRequest {
    pub fare_family: FareFamily,
    /// `(old, new)` designators on `flight_id`.
    pub flight_id: String,
    pub moves: Vec<SeatMove>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeatMove {
    pub from: String,
    pub to: String,
}

/// A cancelled flight, as `GET /internal/flights/cancelled` lists them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CancelledFlight {
    pub flight_id: String,
    pub reason: String,
    pub cancelled_at: i64,
}
