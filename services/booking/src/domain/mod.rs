//! booking's domain: bookings, passengers and tickets, checked inputs (parse, don't
//! validate), PNRs and ticket numbers, prices, and (in `saga`) holding, paying, ticketing,
//! cancelling, and the workers that settle what a crash or a timeout left behind.

pub mod saga;
#[cfg(test)]
pub(crate) mod saga_tests;

use chrono::NaiveDate;
use rand::Rng;
use serde::{Deserialize, Serialize};
use wayfare_chassis::db::rfc3339;
use wayfare_chassis::ApiError;
use wayfare_flight_api::{Cabin, FareFamily, FlightTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Created; its seats are being held.
    Holding,
    /// Seats could not be held (the request's answer is kept for replays).
    Failed,
    /// Seats held until `payment_required_by`.
    Held,
    /// A charge is under way or did not answer; the reconciler settles it.
    PaymentPending,
    Confirmed,
    /// A cancellation is refunding and releasing seats.
    Cancelling,
    Cancelled,
    /// Not paid in time; seats released.
    Expired,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holding => "holding",
            Self::Failed => "failed",
            Self::Held => "held",
            Self::PaymentPending => "payment_pending",
            Self::Confirmed => "confirmed",
            Self::Cancelling => "cancelling",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "holding" => Self::Holding,
            "held" => Self::Held,
            "payment_pending" => Self::PaymentPending,
            "confirmed" => Self::Confirmed,
            "cancelling" => Self::Cancelling,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            _ => Self::Failed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PassengerType {
    Adult,
    Child,
    /// On an adult's lap: no seat, 10% of the fare.
    Infant,
}

impl PassengerType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adult => "adult",
            Self::Child => "child",
            Self::Infant => "infant",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "child" => Self::Child,
            "infant" => Self::Infant,
            _ => Self::Adult,
        }
    }

    /// What this passenger pays of an adult fare: children 75%, infants 10%.
    pub fn fare(self, adult: i64) -> i64 {
        match self {
            Self::Adult => adult,
            Self::Child => adult * 3 / 4,
            Self::Infant => adult / 10,
        }
    }

    pub fn seated(self) -> bool {
        self != Self::Infant
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Passenger {
    #[serde(rename = "type")]
    pub kind: PassengerType,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
}

/// A flight of the booking as it was when booked (number, airports, local times, adult fare).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct BookedSegment {
    pub flight_id: String,
    pub number: String,
    pub origin: String,
    pub destination: String,
    pub departure: FlightTime,
    pub arrival: FlightTime,
    /// The adult fare on this segment (minor units).
    pub fare: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SeatAssignment {
    /// Index in `passengers`.
    pub passenger: usize,
    pub flight_id: String,
    pub seat: String,
    pub surcharge: i64,
}

#[derive(Debug, Clone)]
pub struct Booking {
    pub id: String,
    pub user_id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub pnr: String,
    pub status: BookingStatus,
    pub failure_code: Option<String>,
    pub failure_detail: Option<String>,
    pub cabin: Cabin,
    pub fare_family: FareFamily,
    pub contact_email: String,
    pub itinerary: Vec<BookedSegment>,
    pub seats: Vec<SeatAssignment>,
    pub fare_total: i64,
    pub seat_total: i64,
    pub total: i64,
    pub currency: String,
    pub payment_method: Option<String>,
    pub payment_attempt: i64,
    pub payment_id: Option<String>,
    pub refunded_amount: i64,
    pub seat_credit: i64,
    pub cancel_reason: Option<String>,
    pub payment_required_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub passengers: Vec<Passenger>,
    pub tickets: Vec<Ticket>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Ticket {
    pub passenger: usize,
    /// 13 digits.
    pub number: String,
    /// `issued` or `void`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FareLine {
    pub passenger: usize,
    pub flight_id: String,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SurchargeLine {
    pub passenger: usize,
    pub flight_id: String,
    pub seat: String,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Price {
    pub fares: Vec<FareLine>,
    pub seat_surcharges: Vec<SurchargeLine>,
    pub fare_total: i64,
    pub seat_total: i64,
    pub total: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PassengerView {
    pub index: usize,
    #[serde(rename = "type")]
    pub kind: PassengerType,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub seats: Vec<SeatAssignment>,
}

/// A booking as its owner sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct BookingView {
    pub id: String,
    pub pnr: String,
    pub status: BookingStatus,
    pub cabin: Cabin,
    pub fare_family: FareFamily,
    pub segments: Vec<BookedSegment>,
    pub passengers: Vec<PassengerView>,
    pub price: Price,
    pub total: i64,
    pub currency: String,
    pub payment_required_by: String,
    pub payment_id: Option<String>,
    pub tickets: Vec<Ticket>,
    /// Why the booking failed (`seat_unavailable`…), or why the last payment did not go through.
    pub failure_code: Option<String>,
    pub cancel_reason: Option<String>,
    pub refunded_amount: i64,
    pub contact_email: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What "manage my booking" shows without an account: no ids, prices or contact details.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct BookingSummary {
    pub pnr: String,
    pub status: BookingStatus,
    pub cabin: Cabin,
    pub segments: Vec<BookedSegment>,
    /// Given-name initial and family name.
    pub passengers: Vec<String>,
    pub seats: Vec<SeatAssignment>,
    pub tickets: usize,
    pub cancel_reason: Option<String>,
}

impl Booking {
    pub fn price(&self) -> Price {
        let mut fares = Vec::new();
        for (i, p) in self.passengers.iter().enumerate() {
            for s in &self.itinerary {
                fares.push(FareLine {
                    passenger: i,
                    flight_id: s.flight_id.clone(),
                    amount: p.kind.fare(s.fare),
                });
            }
        }
        Price {
            fares,
            seat_surcharges: self
                .seats
                .iter()
                .filter(|s| s.surcharge > 0)
                .map(|s| SurchargeLine {
                    passenger: s.passenger,
                    flight_id: s.flight_id.clone(),
                    seat: s.seat.clone(),
                    amount: s.surcharge,
                })
                .collect(),
            fare_total: self.fare_total,
            seat_total: self.seat_total,
            total: self.total,
            currency: self.currency.clone(),
        }
    }

    pub fn view(&self) -> BookingView {
        BookingView {
            id: self.id.clone(),
            pnr: self.pnr.clone(),
            status: self.status,
            cabin: self.cabin,
            fare_family: self.fare_family,
            segments: self.itinerary.clone(),
            passengers: self
                .passengers
                .iter()
                .enumerate()
                .map(|(i, p)| PassengerView {
                    index: i,
                    kind: p.kind,
                    given_name: p.given_name.clone(),
                    family_name: p.family_name.clone(),
                    birth_date: p.birth_date.clone(),
                    seats: self
                        .seats
                        .iter()
                        .filter(|s| s.passenger == i)
                        .cloned()
                        .collect(),
                })
                .collect(),
            price: self.price(),
            total: self.total,
            currency: self.currency.clone(),
            payment_required_by: rfc3339(self.payment_required_by),
            payment_id: self.payment_id.clone(),
            tickets: self.tickets.clone(),
            failure_code: self.failure_code.clone(),
            cancel_reason: self.cancel_reason.clone(),
            refunded_amount: self.refunded_amount,
            contact_email: self.contact_email.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }

    pub fn summary(&self) -> BookingSummary {
        BookingSummary {
            pnr: self.pnr.clone(),
            status: self.status,
            cabin: self.cabin,
            segments: self.itinerary.clone(),
            passengers: self
                .passengers
                .iter()
                .map(|p| {
                    format!(
                        "{}. {}",
                        p.given_name.chars().next().unwrap_or('?'),
                        p.family_name
                    )
                })
                .collect(),
            seats: self.seats.clone(),
            tickets: self.tickets.iter().filter(|t| t.status == "issued").count(),
            cancel_reason: self.cancel_reason.clone(),
        }
    }

    /// Passenger-segments: what the standard fare's per-ticket fee is counted on.
    pub fn coupons(&self) -> i64 {
        (self.passengers.len() * self.itinerary.len()) as i64
    }

    /// What a customer's cancellation gives back, by the fare family's rule.
    pub fn customer_refund(&self) -> i64 {
        (self.fare_family.refund(self.total, self.coupons()) + self.seat_credit).min(self.total)
    }
}

/// Letters and digits that cannot be confused when read out or typed (no 0/O, 1/I/L).
pub const PNR_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub fn new_pnr() -> String {
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| PNR_ALPHABET[rng.gen_range(0..PNR_ALPHABET.len())] as char)
        .collect()
}

/// A 13-digit e-ticket number: Wayfare's airline prefix 988, then ten digits.
pub fn new_ticket_number() -> String {
    format!(
        "988{:010}",
        rand::thread_rng().gen_range(0..10_000_000_000u64)
    )
}

pub fn parse_pnr(raw: &str) -> Result<String, ApiError> {
    let pnr = raw.trim().to_ascii_uppercase();
    if pnr.len() != 6 || !pnr.bytes().all(|b| PNR_ALPHABET.contains(&b)) {
        return Err(ApiError::validation(
            "pnr",
            "must be the 6-character booking reference",
        ));
    }
    Ok(pnr)
}

pub fn parse_name(field: &'static str, raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let ok = !name.is_empty()
        && name.chars().count() <= 50
        && name
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'');
    if !ok {
        return Err(ApiError::validation(
            field,
            "must be 1 to 50 letters, spaces, hyphens or apostrophes",
        ));
    }
    Ok(name.to_string())
}

pub fn parse_birth_date(raw: &str, today: NaiveDate) -> Result<String, ApiError> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::validation("birth_date", "must be a date as YYYY-MM-DD"))?;
    if date > today || (today - date).num_days() > 130 * 366 {
        return Err(ApiError::validation(
            "birth_date",
            "must be a real birth date in the past",
        ));
    }
    Ok(date.to_string())
}

pub fn parse_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !ok {
        return Err(ApiError::validation(
            "contact_email",
            "must be an e-mail address",
        ));
    }
    Ok(email.to_string())
}

pub fn parse_seat(raw: &str) -> Result<String, ApiError> {
    let seat = raw.trim().to_ascii_uppercase();
    let digits = seat.trim_end_matches(|c: char| c.is_ascii_uppercase());
    let ok = (2..=4).contains(&seat.len())
        && seat.len() - digits.len() == 1
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(ApiError::validation(
            "seats",
            format!("{raw} is not a seat such as 12A"),
        ));
    }
    Ok(seat)
}

pub fn parse_id(field: &'static str, raw: &str) -> Result<String, ApiError> {
    if raw.is_empty()
        || raw.len() > 64
        || !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::validation(field, "is not a valid id"));
    }
    Ok(raw.to_string())
}

pub fn parse_payment_method(method: &str) -> Result<String, ApiError> {
    if !wayfare_payment_api::is_known_method(method) {
        return Err(ApiError::validation(
            "payment_method",
            format!(
                "unknown payment method; test methods: {}",
                wayfare_payment_api::TEST_METHODS.join(", ")
            ),
        ));
    }
    Ok(method.to_string())
}

pub fn request_hash<T: Serialize>(body: &T) -> String {
    let canonical = serde_json::to_value(body)
        .and_then(|v| serde_json::to_string(&v))
        .expect("a request serialises");
    wayfare_chassis::idempotency::sha256_hex(canonical.as_bytes())
}

/// The charge key of a booking's `attempt`-th payment try (a decline moves to the next).
pub fn charge_key(booking_id: &str, attempt: i64) -> String {
    format!("booking-{booking_id}-{attempt}")
}

pub fn refund_key(booking_id: &str) -> String {
    format!("refund-booking-{booking_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnrs_have_six_unambiguous_characters() {
        for _ in 0..200 {
            let pnr = new_pnr();
            assert_eq!(pnr.len(), 6);
            assert!(!pnr.contains(['0', 'O', '1', 'I', 'L']), "{pnr}");
            assert_eq!(parse_pnr(&pnr.to_lowercase()).unwrap(), pnr);
        }
        assert!(parse_pnr("ABC10O").is_err());
    }

    #[test]
    fn ticket_numbers_have_thirteen_digits() {
        let n = new_ticket_number();
        assert_eq!(n.len(), 13);
        assert!(n.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn children_and_infants_pay_part_of_the_fare() {
        assert_eq!(PassengerType::Adult.fare(10_000), 10_000);
        assert_eq!(PassengerType::Child.fare(10_000), 7_500);
        assert_eq!(PassengerType::Infant.fare(10_000), 1_000);
        assert!(!PassengerType::Infant.seated());
    }

    #[test]
    fn refunds_follow_the_fare_family() {
        assert_eq!(FareFamily::Basic.refund(50_000, 2), 0);
        assert_eq!(
            FareFamily::Standard.refund(50_000, 2),
            50_000 - 2 * wayfare_flight_api::STANDARD_CANCEL_FEE
        );
        assert_eq!(FareFamily::Standard.refund(10_000, 2), 0);
        assert_eq!(FareFamily::Flex.refund(50_000, 2), 50_000);
    }

    #[test]
    fn inputs_are_checked() {
        assert_eq!(parse_seat("12a").unwrap(), "12A");
        for bad in ["A12", "12", "123AB", "1234A", ""] {
            assert!(parse_seat(bad).is_err(), "{bad}");
        }
        assert!(parse_email("ana@example.com").is_ok());
        assert!(parse_email("ana@example").is_err());
        assert!(parse_name("family_name", "O'Brien-Kim").is_ok());
        assert!(parse_name("family_name", "R2D2").is_err());
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert!(parse_birth_date("1990-05-01", today).is_ok());
        assert!(parse_birth_date("2030-01-01", today).is_err());
    }
}
