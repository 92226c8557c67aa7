//! flight's domain: airports and local time, checked search inputs (parse, don't validate),
//! itineraries (direct and one-stop within the connection window), fares, seat maps, and (in
//! `aircraft`) the seat layouts; `demo` is the demo network and `jobs` the sweeper.

pub mod aircraft;
pub mod demo;
pub mod jobs;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use wayfare_chassis::ApiError;
use wayfare_flight_api::{Cabin, FareFamily, FlightTime};

pub use wayfare_flight_api::{Fare, FlightStatus, FlightView};

/// A connection leaves at least this long after the first segment lands…
pub const MIN_CONNECTION_MS: i64 = 60 * 60 * 1000;
/// …and at most this long after.
pub const MAX_CONNECTION_MS: i64 = 8 * 60 * 60 * 1000;
pub const MAX_PASSENGERS: u32 = 9;
/// How far ahead a search may look.
pub const MAX_DAYS_AHEAD: i64 = 366;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Airport {
    pub code: String,
    pub name: String,
    pub city: String,
    pub country: String,
    pub time_zone: String,
}

/// The airport's time zone (every stored airport has a valid one; UTC if not).
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// An instant as an airport shows it.
pub fn flight_time(airport: &Airport, ms: i64) -> FlightTime {
    let tz = zone(&airport.time_zone);
    let utc = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let local = utc.with_timezone(&tz);
    FlightTime {
        airport: airport.code.clone(),
        utc: utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        local: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        local_date: local.format("%Y-%m-%d").to_string(),
        utc_offset: local.format("%:z").to_string(),
        time_zone: airport.time_zone.clone(),
    }
}

/// The UTC instant of a local wall-clock time (the earlier one when a clock change repeats
/// it; the moment after the gap when it skips it).
pub fn local_to_ms(tz: Tz, date: NaiveDate, hour: u32, minute: u32) -> i64 {
    let naive = date.and_hms_opt(hour, minute, 0).expect("valid time");
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        LocalResult::None => tz
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|| naive.and_utc().timestamp_millis()),
    }
}

/// `[start, end)` in Unix ms of a local day at an airport.
pub fn day_window(tz: Tz, date: NaiveDate) -> (i64, i64) {
    let next = date.succ_opt().unwrap_or(date);
    (local_to_ms(tz, date, 0, 0), local_to_ms(tz, next, 0, 0))
}

/// Today's date at an airport.
pub fn today_at(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

pub fn local_date_of(tz: Tz, ms: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// Great-circle distance in km.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Block time for a distance: 30 minutes of taxi and climb plus 830 km/h, to 5 minutes.
pub fn block_minutes(km: f64) -> i64 {
    let minutes = 30.0 + km / 830.0 * 60.0;
    ((minutes / 5.0).round() as i64 * 5).max(40)
}

/// Demo fares for a flight of `km` in a cabin, with `jitter` (0..100) so days differ:
/// (basic, standard, flex) in US cents.
pub fn demo_fares(km: f64, cabin: Cabin, jitter: u64) -> (i64, i64, i64) {
    let base = 4_900.0 + km * 9.0;
    let factor = match cabin {
        Cabin::Economy => 1.0,
        Cabin::PremiumEconomy => 1.8,
        Cabin::Business => 3.6,
    };
    let day = 0.85 + (jitter % 100) as f64 / 250.0;
    let basic = ((base * factor * day) / 100.0).round() as i64 * 100 - 1;
    (
        basic,
        basic * 13 / 10 / 100 * 100 + 99,
        basic * 18 / 10 / 100 * 100 + 99,
    )
}

pub fn fare_price(fare: &(i64, i64, i64), family: FareFamily) -> i64 {
    match family {
        FareFamily::Basic => fare.0,
        FareFamily::Standard => fare.1,
        FareFamily::Flex => fare.2,
    }
}

/// An IATA airport code: three capital letters (`icn` is accepted and capitalised).
pub fn parse_airport_code(field: &'static str, raw: Option<&str>) -> Result<String, ApiError> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(ApiError::validation(
            field,
            "is required (an IATA airport code such as ICN)",
        ));
    }
    if raw.len() != 3 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ApiError::validation(
            field,
            "must be a three-letter IATA airport code",
        ));
    }
    Ok(raw.to_ascii_uppercase())
}

pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::validation(field, "must be a date as YYYY-MM-DD"))
}

pub fn parse_cabin(raw: Option<&str>) -> Result<Cabin, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Cabin::Economy),
        Some(value) => Cabin::parse(value).ok_or_else(|| {
            ApiError::validation("cabin", "must be economy, premium_economy or business")
        }),
    }
}

pub fn parse_passengers(raw: Option<&str>) -> Result<u32, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(1);
    };
    match raw.parse::<u32>() {
        Ok(n) if (1..=MAX_PASSENGERS).contains(&n) => Ok(n),
        _ => Err(ApiError::validation(
            "passengers",
            format!("must be a whole number from 1 to {MAX_PASSENGERS}"),
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    Price,
    Duration,
    Departure,
}

pub fn parse_sort(raw: Option<&str>) -> Result<SortBy, ApiError> {
    match raw.map(str::trim).unwrap_or("") {
        "" | "price" => Ok(SortBy::Price),
        "duration" => Ok(SortBy::Duration),
        "departure" => Ok(SortBy::Departure),
        _ => Err(ApiError::validation(
            "sort",
            "must be price, duration or departure",
        )),
    }
}

/// A travel date: not before today at the origin, at most [`MAX_DAYS_AHEAD`] ahead.
pub fn check_travel_date(
    field: &'static str,
    date: NaiveDate,
    origin_tz: Tz,
) -> Result<(), ApiError> {
    let today = today_at(origin_tz);
    if date < today {
        return Err(ApiError::validation(
            field,
            format!("is in the past (today at the origin is {today})"),
        ));
    }
    if (date - today).num_days() > MAX_DAYS_AHEAD {
        return Err(ApiError::validation(
            field,
            format!("is more than {MAX_DAYS_AHEAD} days ahead"),
        ));
    }
    Ok(())
}

/// `YYYY-MM` → the first day of that month and the first day of the next.
pub fn parse_month(raw: Option<&str>) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let bad = || ApiError::validation("month", "must be a month as YYYY-MM");
    let raw = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?;
    let first = NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .ok_or_else(bad)?;
    Ok((first, next))
}

/// A flight number as airlines print it: two-letter designator, a space, 1–4 digits.
pub fn parse_flight_number(raw: &str) -> Result<String, ApiError> {
    let raw = raw.trim();
    let ok = raw.len() >= 4
        && raw.len() <= 7
        && raw.as_bytes()[..2]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && raw.as_bytes()[2] == b' '
        && raw[3..].bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(ApiError::validation("number", "must look like `WF 123`"));
    }
    Ok(raw.to_string())
}

/// One flight of an itinerary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Segment {
    pub flight_id: String,
    pub number: String,
    pub origin: String,
    pub destination: String,
    pub departure: FlightTime,
    pub arrival: FlightTime,
    pub duration_minutes: i64,
    pub aircraft: String,
    pub status: FlightStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ItineraryFare {
    pub fare_family: FareFamily,
    pub cabin: Cabin,
    /// Per passenger, every segment included (minor units).
    pub price: i64,
    /// For every passenger.
    pub total: i64,
    pub currency: String,
}

/// A way to get there: one flight, or two with a connection at the same airport.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Itinerary {
    pub segments: Vec<Segment>,
    pub stops: usize,
    /// From the first departure to the last arrival.
    pub duration_minutes: i64,
    /// Seats left in the cabin on the fullest segment.
    pub seats_left: i64,
    pub fares: Vec<ItineraryFare>,
}

impl Itinerary {
    pub fn lowest_price(&self) -> i64 {
        self.fares.iter().map(|f| f.price).min().unwrap_or(i64::MAX)
    }

    pub fn departure_utc(&self) -> &str {
        &self.segments[0].departure.utc
    }
}

pub fn sort_itineraries(items: &mut [Itinerary], by: SortBy) {
    match by {
        SortBy::Price => items.sort_by(|a, b| {
            (
                a.lowest_price(),
                a.duration_minutes,
                a.departure_utc().to_string(),
            )
                .cmp(&(
                    b.lowest_price(),
                    b.duration_minutes,
                    b.departure_utc().to_string(),
                ))
        }),
        SortBy::Duration => items.sort_by(|a, b| {
            (a.duration_minutes, a.lowest_price()).cmp(&(b.duration_minutes, b.lowest_price()))
        }),
        SortBy::Departure => items.sort_by(|a, b| {
            (a.departure_utc(), a.lowest_price()).cmp(&(b.departure_utc(), b.lowest_price()))
        }),
    }
}

/// One seat of a seat map.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SeatView {
    /// E.g. `12A`.
    pub designator: String,
    pub letter: String,
    pub position: aircraft::Position,
    /// `exit_row`, `extra_legroom`.
    pub features: Vec<String>,
    /// What choosing it costs on a basic fare (minor units); on standard and flex fares only
    /// extra-legroom seats cost this.
    pub surcharge: i64,
    pub currency: String,
    pub available: bool,
}

/// A row: its seats left to right, with `null` where an aisle runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct RowView {
    pub row: u32,
    pub exit_row: bool,
    /// Seats and aisles (`null`) left to right.
    pub seats: Vec<Option<SeatView>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct CabinView {
    pub cabin: Cabin,
    /// Column letters left to right, `null` for an aisle, e.g. `["A","B","C",null,"D","E","F"]`.
    pub columns: Vec<Option<String>>,
    pub seats_available: i64,
    pub rows: Vec<RowView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SeatMap {
    pub flight_id: String,
    pub aircraft: String,
    pub aircraft_name: String,
    pub cabins: Vec<CabinView>,
}

/// Builds the seat map of `aircraft` given the seats that are held or sold.
pub fn seat_map(
    flight_id: &str,
    plane: &aircraft::AircraftType,
    taken: &std::collections::HashSet<String>,
) -> SeatMap {
    let seats = plane.seats();
    let cabins = plane
        .cabins
        .iter()
        .map(|layout| {
            let mut columns = Vec::new();
            for (i, block) in layout.blocks.iter().enumerate() {
                if i > 0 {
                    columns.push(None);
                }
                columns.extend(block.chars().map(|c| Some(c.to_string())));
            }
            let mut available = 0;
            let rows = (layout.first_row..=layout.last_row)
                .map(|row| {
                    let mut cells = Vec::new();
                    let mut last_block = None;
                    for seat in seats
                        .iter()
                        .filter(|s| s.row == row && s.cabin == layout.cabin)
                    {
                        if last_block.is_some_and(|b| b != seat.block) {
                            cells.push(None);
                        }
                        last_block = Some(seat.block);
                        let free = !taken.contains(&seat.designator);
                        available += i64::from(free);
                        let mut features = Vec::new();
                        if seat.exit_row {
                            features.push("exit_row".to_string());
                        }
                        if seat.extra_legroom {
                            features.push("extra_legroom".to_string());
                        }
                        cells.push(Some(SeatView {
                            designator: seat.designator.clone(),
                            letter: seat.letter.to_string(),
                            position: seat.position,
                            features,
                            surcharge: seat.surcharge,
                            currency: "USD".into(),
                            available: free,
                        }));
                    }
                    RowView {
                        row,
                        exit_row: layout.exit_rows.contains(&row),
                        seats: cells,
                    }
                })
                .collect();
            CabinView {
                cabin: layout.cabin,
                columns,
                seats_available: available,
                rows,
            }
        })
        .collect();
    SeatMap {
        flight_id: flight_id.to_string(),
        aircraft: plane.code.to_string(),
        aircraft_name: plane.name.to_string(),
        cabins,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn airport(code: &str, tz: &str) -> Airport {
        Airport {
            code: code.into(),
            name: code.into(),
            city: code.into(),
            country: "XX".into(),
            time_zone: tz.into(),
        }
    }

    #[test]
    fn local_times_carry_the_airport_offset() {
        let seoul = airport("ICN", "Asia/Seoul");
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ms = local_to_ms(zone("Asia/Seoul"), day, 10, 0);
        let t = flight_time(&seoul, ms);
        assert_eq!(t.utc, "2026-12-01T01:00:00Z");
        assert_eq!(t.local, "2026-12-01T10:00:00+09:00");
        assert_eq!(t.utc_offset, "+09:00");
        assert_eq!(t.local_date, "2026-12-01");
        let la = flight_time(&airport("LAX", "America/Los_Angeles"), ms + 11 * 3_600_000);
        // 12:00 UTC on 1 December is 04:00 the same day in Los Angeles (UTC-8).
        assert_eq!(la.local, "2026-12-01T04:00:00-08:00");
    }

    #[test]
    fn a_local_day_window_follows_daylight_saving() {
        let ny = zone("America/New_York");
        let (start, end) = day_window(ny, NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
        assert_eq!(
            end - start,
            23 * 3_600_000,
            "the spring-forward day has 23 hours"
        );
        let (start, end) = day_window(ny, NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(end - start, 24 * 3_600_000);
    }

    #[test]
    fn inputs_are_checked_and_name_their_field() {
        assert_eq!(parse_airport_code("from", Some("icn")).unwrap(), "ICN");
        for bad in [None, Some(""), Some("IC"), Some("I1N")] {
            let err = parse_airport_code("from", bad).unwrap_err();
            assert!(matches!(err, ApiError::Validation { ref field, .. } if field == "from"));
        }
        assert_eq!(parse_passengers(None).unwrap(), 1);
        assert!(parse_passengers(Some("0")).is_err());
        assert!(parse_passengers(Some("10")).is_err());
        assert_eq!(parse_passengers(Some("9")).unwrap(), 9);
        assert!(parse_cabin(Some("first")).is_err());
        assert!(parse_month(Some("2026-13")).is_err());
        assert_eq!(
            parse_month(Some("2026-12")).unwrap().1,
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert!(parse_flight_number("WF 123").is_ok());
        assert!(parse_flight_number("WF123").is_err());
        let yesterday = today_at(chrono_tz::UTC).pred_opt().unwrap();
        assert!(check_travel_date("date", yesterday, chrono_tz::UTC).is_err());
    }

    #[test]
    fn distances_and_block_times_are_plausible() {
        let icn = (37.4602, 126.4407);
        let lax = (33.9416, -118.4085);
        let km = distance_km(icn, lax);
        assert!((9_500.0..9_700.0).contains(&km), "{km}");
        let minutes = block_minutes(km);
        assert!((690..=750).contains(&minutes), "{minutes}");
        let (basic, standard, flex) = demo_fares(km, Cabin::Economy, 50);
        assert!(basic < standard && standard < flex);
    }

    #[test]
    fn seat_maps_mark_aisles_and_taken_seats() {
        let taken: std::collections::HashSet<String> = ["1A".to_string()].into();
        let map = seat_map("f", &aircraft::A321, &taken);
        assert_eq!(map.cabins.len(), 2);
        let business = &map.cabins[0];
        assert_eq!(
            business.columns,
            vec![
                Some("A".into()),
                Some("C".into()),
                None,
                Some("D".into()),
                Some("F".into())
            ]
        );
        let row1 = &business.rows[0];
        assert_eq!(row1.seats.len(), 5);
        assert!(row1.seats[2].is_none());
        assert!(!row1.seats[0].as_ref().unwrap().available);
        assert_eq!(business.seats_available, 15);
    }
}
