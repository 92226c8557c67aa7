//! `/internal/admin/**`: the back office's schedule. Flights by departure with their load
//! factor (seats sold / seats offered), one flight with its version as the `ETag`, edits of
//! fares and delays with `If-Match` (a stale version is 412 and changes nothing), departures
//! of the next hours for the dashboard, and schedules that create every flight of a route on
//! chosen weekdays over a date range. Only the admin service may call it.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use wayfare_chassis::etag::{if_match, stale, Tagged};
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{ApiError, Json, Page};
use wayfare_flight_api::{FlightStatus, FlightView};

use super::internal::{plan_flight, CreateFlight, FareInput};
use super::FlightState;
use crate::domain::{self, aircraft};
use crate::error::FlightError;
use crate::store::admin::{self as admin_store, FlightFilter};
use crate::store::{self, FlightRow};

pub fn router(state: FlightState) -> Router {
    Router::new()
        .route("/internal/admin/flights", get(list))
        .route("/internal/admin/flights/upcoming", get(upcoming))
        .route("/internal/admin/flights/{id}", get(show).patch(edit))
        .route("/internal/admin/schedules", post(create_schedule))
        .with_state(state)
}

/// A flight as the back office sees it: the public view plus its version and load.
#[derive(Debug, Clone, Serialize)]
pub struct AdminFlight {
    #[serde(flatten)]
    pub flight: FlightView,
    pub version: i64,
    /// Seats the aircraft offers.
    pub seats: i64,
    /// Seats sold (ticketed bookings).
    pub sold: i64,
    /// `sold / seats`, 0 to 1.
    pub load_factor: f64,
}

/// Views of `rows` (with their versions) and their load factors: two queries for the page.
async fn admin_views(
    state: &FlightState,
    rows: &[(FlightRow, i64)],
) -> Result<Vec<AdminFlight>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|(f, _)| f.id.clone()).collect();
    let fares = store::fares(&state.db, &ids, None).await?;
    let sold = admin_store::sold(&state.db, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, version) in rows {
        let seats = aircraft::aircraft(&row.aircraft).map_or(0, |a| a.seats().len() as i64);
        let sold = sold.get(&row.id).copied().unwrap_or(0);
        out.push(AdminFlight {
            flight: state.view(row, fares.get(&row.id).map(Vec::as_slice).unwrap_or(&[])),
            version: *version,
            seats,
            sold,
            load_factor: if seats > 0 {
                (sold as f64 / seats as f64 * 1000.0).round() / 1000.0
            } else {
                0.0
            },
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    origin: Option<String>,
    destination: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// An opaque cursor over `(departure_at, id)`.
fn encode_cursor(departure: i64, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{departure}|{id}"))
}

fn decode_cursor(raw: &str) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::BadRequest("invalid cursor".into());
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (departure, id) = text.split_once('|').ok_or_else(bad)?;
    Ok((departure.parse().map_err(|_| bad())?, id.to_string()))
}

fn airport_filter(field: &'static str, raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw.filter(|r| !r.is_empty()) {
        Some(raw) => domain::parse_airport_code(field, Some(&raw)).map(Some),
        None => Ok(None),
    }
}

async fn list(
    State(state): State<FlightState>,
    _caller: ServiceCaller,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<AdminFlight>>, FlightError> {
    let limit = params.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("limit", "must be 1 to 100").into());
    }
    let status = match params.status.filter(|s| !s.is_empty()) {
        Some(raw) => {
            if FlightStatus::parse(&raw).as_str() != raw {
                return Err(
                    ApiError::validation("status", "one of scheduled, delayed, cancelled").into(),
                );
            }
            Some(raw)
        }
        None => None,
    };
    let filter = FlightFilter {
        from_ms: params.from_ms,
        to_ms: params.to_ms,
        origin: airport_filter("origin", params.origin)?,
        destination: airport_filter("destination", params.destination)?,
        status,
    };
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut rows = admin_store::flights(&state.db, &filter, after, limit + 1).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|(f, _)| encode_cursor(f.departure_at, &f.id))
    } else {
        None
    };
    Ok(Json(Page {
        items: admin_views(&state, &rows).await?,
        next_cursor,
    }))
}

#[derive(Debug, Deserialize)]
pub struct UpcomingParams {
    hours: Option<i64>,
}

/// Flights departing in the next `hours` (default 48, at most a week), with their load.
async fn upcoming(
    State(state): State<FlightState>,
    _caller: ServiceCaller,
    Query(params): Query<UpcomingParams>,
) -> Result<Json<Page<AdminFlight>>, FlightError> {
    let hours = params.hours.unwrap_or(48).clamp(1, 24 * 7);
    let now = wayfare_chassis::db::now_ms();
    let filter = FlightFilter {
        from_ms: Some(now),
        to_ms: Some(now + hours * 3_600_000),
        ..FlightFilter::default()
    };
    let rows = admin_store::flights(&state.db, &filter, None, 100).await?;
    Ok(Json(Page {
        items: admin_views(&state, &rows).await?,
        next_cursor: None,
    }))
}

async fn admin_flight(state: &FlightState, id: &str) -> Result<AdminFlight, FlightError> {
    let row = store::flight(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no flight {id}")))?;
    let version = admin_store::version(&state.db, id).await?.unwrap_or(1);
    let mut views = admin_views(state, &[(row, version)]).await?;
    Ok(views.remove(0))
}

async fn show(
    State(state): State<FlightState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
) -> Result<Tagged<AdminFlight>, FlightError> {
    let flight = admin_flight(&state, &id).await?;
    Ok(Tagged(flight.version, flight))
}

/// An edit of a flight: new fares for some cabins, and/or a delay (in minutes, or as the new
/// departure time; the arrival moves with it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlightEdit {
    #[serde(default)]
    fares: Vec<FareInput>,
    delay_minutes: Option<i64>,
    /// The new departure (RFC 3339), later than the current one.
    departs_at: Option<String>,
}

async fn edit(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<FlightEdit>,
) -> Result<Tagged<AdminFlight>, FlightError> {
    let row = store::flight(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no flight {id}")))?;
    // Everything is checked before anything changes.
    let plane = aircraft::aircraft(&row.aircraft)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown aircraft")))?;
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
    let delay = match (&body.departs_at, body.delay_minutes) {
        (Some(_), Some(_)) => {
            return Err(
                ApiError::validation("departs_at", "give departs_at or delay_minutes").into(),
            )
        }
        (Some(at), None) => {
            let new = chrono::DateTime::parse_from_rfc3339(at)
                .map_err(|_| ApiError::validation("departs_at", "must be an RFC 3339 time"))?
                .timestamp_millis();
            let shift = new - row.departure_at;
            if shift <= 0 || shift % 60_000 != 0 {
                return Err(ApiError::validation(
                    "departs_at",
                    "must be later than the current departure, in whole minutes",
                )
                .into());
            }
            Some(shift / 60_000)
        }
        (None, minutes) => minutes,
    };
    if let Some(minutes) = delay {
        if !(1..=48 * 60).contains(&minutes) {
            return Err(ApiError::validation("delay_minutes", "must be 1 to 2880").into());
        }
        if row.status == FlightStatus::Cancelled {
            return Err(ApiError::conflict(
                "flight_cancelled",
                "a cancelled flight cannot be delayed",
            )
            .into());
        }
    }
    if fares.is_empty() && delay.is_none() {
        return Err(ApiError::validation("fares", "nothing to change").into());
    }
    if !admin_store::claim_version(&state.db, &id, if_match(&headers)?).await? {
        return Err(stale("the flight").into());
    }
    for fare in &fares {
        store::set_fares(&state.db, &id, fare).await?;
    }
    if let Some(minutes) = delay {
        store::delay(&state.db, &id, minutes).await?;
        tracing::info!(caller = %caller.0, flight_id = %id, minutes, "flight delayed");
    }
    let flight = admin_flight(&state, &id).await?;
    Ok(Tagged(flight.version, flight))
}

/// A route flown on some weekdays at one local time, over a range of dates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub flight_number: String,
    pub origin: String,
    pub destination: String,
    /// ISO weekdays: 1 (Monday) to 7 (Sunday).
    pub days_of_week: Vec<u32>,
    /// `HH:MM`, local time at the origin.
    pub departure_time: String,
    pub duration_minutes: i64,
    pub aircraft: String,
    /// First and last date (inclusive), `YYYY-MM-DD`, at most 366 days apart.
    pub from: String,
    pub to: String,
    pub fares: Vec<FareInput>,
}

#[derive(Debug, Serialize)]
pub struct ScheduleCreated {
    /// The flights it made.
    pub created: Vec<String>,
    /// Dates whose flight already existed (the number already departs then).
    pub existing: usize,
    /// Past dates skipped.
    pub skipped: usize,
}

fn schedule_dates(schedule: &Schedule) -> Result<Vec<NaiveDate>, ApiError> {
    let date = |field: &'static str, raw: &str| {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| ApiError::validation(field, "must be a date, YYYY-MM-DD"))
    };
    let (from, to) = (date("from", &schedule.from)?, date("to", &schedule.to)?);
    if to < from || (to - from).num_days() > 366 {
        return Err(ApiError::validation(
            "to",
            "must be on or after from, at most 366 days later",
        ));
    }
    if schedule.days_of_week.is_empty()
        || schedule.days_of_week.iter().any(|d| !(1..=7).contains(d))
    {
        return Err(ApiError::validation(
            "days_of_week",
            "1 (Monday) to 7 (Sunday), at least one",
        ));
    }
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| {
            schedule
                .days_of_week
                .contains(&d.weekday().number_from_monday())
        })
        .collect())
}

fn clock(raw: &str) -> Result<(u32, u32), ApiError> {
    let bad = || ApiError::validation("departure_time", "must be HH:MM (24-hour)");
    let (h, m) = raw.split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 || raw.len() != 5 {
        return Err(bad());
    }
    Ok((h, m))
}

async fn create_schedule(
    State(state): State<FlightState>,
    caller: ServiceCaller,
    Json(body): Json<Schedule>,
) -> Result<Response, FlightError> {
    let dates = schedule_dates(&body)?;
    let (hour, minute) = clock(&body.departure_time)?;
    let origin = state.known("origin", Some(&body.origin))?.clone();
    let tz = domain::zone(&origin.time_zone);
    let template = CreateFlight {
        number: body.flight_number.clone(),
        origin: body.origin.clone(),
        destination: body.destination.clone(),
        departure: String::new(),
        duration_minutes: body.duration_minutes,
        aircraft: body.aircraft.clone(),
        fares: body.fares,
    };
    let now = wayfare_chassis::db::now_ms();
    let mut planned = Vec::new();
    let mut skipped = 0;
    for date in dates {
        let departure = domain::local_to_ms(tz, date, hour, minute);
        if departure <= now {
            skipped += 1;
            continue;
        }
        planned.push(plan_flight(&state, &template, departure)?);
    }
    if planned.is_empty() && skipped == 0 {
        return Err(ApiError::validation("days_of_week", "no date in the range flies").into());
    }
    let mut created = Vec::new();
    let mut existing = 0;
    for flight in &planned {
        if store::insert_flight(&state.db, flight).await? {
            created.push(flight.row.id.clone());
        } else {
            existing += 1;
        }
    }
    tracing::info!(caller = %caller.0, number = %template.number, created = created.len(), existing, "schedule created");
    Ok((
        StatusCode::CREATED,
        Json(ScheduleCreated {
            created,
            existing,
            skipped,
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(days: Vec<u32>, from: &str, to: &str) -> Schedule {
        Schedule {
            flight_number: "WF 1".into(),
            origin: "ICN".into(),
            destination: "NRT".into(),
            days_of_week: days,
            departure_time: "09:30".into(),
            duration_minutes: 140,
            aircraft: "A321".into(),
            from: from.into(),
            to: to.into(),
            fares: Vec::new(),
        }
    }

    #[test]
    fn a_schedule_flies_its_weekdays_within_the_range() {
        // 2030-01-07 is a Monday.
        let dates = schedule_dates(&schedule(vec![1, 5], "2030-01-07", "2030-01-20")).unwrap();
        let days: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            days,
            ["2030-01-07", "2030-01-11", "2030-01-14", "2030-01-18"]
        );
        assert!(schedule_dates(&schedule(vec![8], "2030-01-07", "2030-01-20")).is_err());
        assert!(schedule_dates(&schedule(vec![1], "2030-01-07", "2031-06-01")).is_err());
        assert!(schedule_dates(&schedule(vec![1], "2030-01-07", "2030-01-01")).is_err());
        assert_eq!(clock("09:30").unwrap(), (9, 30));
        assert!(clock("9:30").is_err() && clock("24:00").is_err());
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let cursor = encode_cursor(1_700_000_000_000, "abc");
        assert_eq!(
            decode_cursor(&cursor).unwrap(),
            (1_700_000_000_000, "abc".to_string())
        );
        assert!(decode_cursor("!!!").is_err());
    }
}
