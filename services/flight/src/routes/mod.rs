//! flight's public HTTP API (paths as the gateway exposes them): airports, search, the fare
//! calendar, flights and seat maps. All reads; `internal` holds seat holds and the admin
//! endpoints.

pub mod admin;
pub mod internal;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, Path, Query, State};
use axum::routing::get;
use axum::Router;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use wayfare_chassis::db::Db;
use wayfare_chassis::error::Problem;
use wayfare_chassis::identity::InternalGuard;
use wayfare_chassis::openapi::CommonResponses;
use wayfare_chassis::{ApiError, Json};
use wayfare_flight_api::{Cabin, FareFamily};

use crate::domain::{
    self, aircraft, Airport, Fare, FlightView, Itinerary, ItineraryFare, SeatMap, Segment,
};
use crate::store::{self, FlightRow};

/// Airports by code, with their coordinates (loaded at start: only seeding adds airports).
pub type AirportIndex = Arc<HashMap<String, (Airport, f64, f64)>>;

#[derive(Clone)]
pub struct FlightState {
    pub db: Db,
    pub airports: AirportIndex,
    pub internal: InternalGuard,
}

impl FromRef<FlightState> for InternalGuard {
    fn from_ref(state: &FlightState) -> Self {
        state.internal.clone()
    }
}

pub fn router(state: FlightState) -> Router {
    Router::new()
        .route("/api/airports", get(list_airports))
        .route("/api/flights/search", get(search))
        .route("/api/flights/calendar", get(calendar))
        .route("/api/flights/{id}", get(show_flight))
        .route("/api/flights/{id}/seats", get(seat_map))
        .with_state(state.clone())
        .merge(internal::router(state.clone()))
        .merge(admin::router(state))
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

impl FlightState {
    pub fn airport(&self, code: &str) -> Option<&Airport> {
        self.airports.get(code).map(|(a, _, _)| a)
    }

    /// A known airport for a query field: 422 naming the field otherwise.
    fn known(&self, field: &'static str, raw: Option<&str>) -> Result<&Airport, ApiError> {
        let code = domain::parse_airport_code(field, raw)?;
        self.airport(&code)
            .ok_or_else(|| ApiError::validation(field, format!("unknown airport {code}")))
    }

    pub fn view(&self, flight: &FlightRow, fares: &[store::CabinFares]) -> FlightView {
        let fallback = |code: &str| Airport {
            code: code.to_string(),
            name: code.to_string(),
            city: String::new(),
            country: String::new(),
            time_zone: "UTC".into(),
        };
        let origin = self
            .airport(&flight.origin)
            .cloned()
            .unwrap_or_else(|| fallback(&flight.origin));
        let destination = self
            .airport(&flight.destination)
            .cloned()
            .unwrap_or_else(|| fallback(&flight.destination));
        FlightView {
            id: flight.id.clone(),
            number: flight.number.clone(),
            origin: flight.origin.clone(),
            destination: flight.destination.clone(),
            departure: domain::flight_time(&origin, flight.departure_at),
            arrival: domain::flight_time(&destination, flight.arrival_at),
            duration_minutes: (flight.arrival_at - flight.departure_at) / 60_000,
            aircraft: flight.aircraft.clone(),
            status: flight.status,
            delay_minutes: flight.delay_minutes,
            cancel_reason: flight.cancel_reason.clone(),
            fares: fares
                .iter()
                .flat_map(|c| {
                    FareFamily::ALL.into_iter().map(move |family| Fare {
                        cabin: c.cabin,
                        fare_family: family,
                        price: domain::fare_price(&c.prices, family),
                        currency: c.currency.clone(),
                    })
                })
                .collect(),
        }
    }

    fn segment(&self, flight: &FlightRow) -> Segment {
        let view = self.view(flight, &[]);
        Segment {
            flight_id: view.id,
            number: view.number,
            origin: view.origin,
            destination: view.destination,
            departure: view.departure,
            arrival: view.arrival,
            duration_minutes: view.duration_minutes,
            aircraft: view.aircraft,
            status: view.status,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AirportParams {
    /// Code, city or name (prefix or part), e.g. `seo`, `ICN`, `Narita`.
    #[param(max_length = 100)]
    q: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AirportList {
    pub items: Vec<Airport>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/airports", tag = "flights", params(AirportParams), responses((status = 200, description = "Matching airports (at most 20), best first", body = AirportList)))]
async fn list_airports(
    State(state): State<FlightState>,
    Query(p): Query<AirportParams>,
) -> Result<Json<AirportList>, ApiError> {
    let q = p.q.unwrap_or_default();
    let q = q.trim();
    if q.chars().count() > 100 {
        return Err(ApiError::validation("q", "must be at most 100 characters"));
    }
    let mut found: Vec<(u8, &Airport)> = state
        .airports
        .values()
        .filter_map(|(a, _, _)| {
            if q.is_empty() {
                Some((0, a))
            } else {
                store::matches_airport(a, q).map(|rank| (rank, a))
            }
        })
        .collect();
    found.sort_by(|x, y| (x.0, &x.1.code).cmp(&(y.0, &y.1.code)));
    Ok(Json(AirportList {
        items: found
            .into_iter()
            .take(if q.is_empty() { 100 } else { 20 })
            .map(|(_, a)| a.clone())
            .collect(),
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Origin airport (IATA), e.g. `ICN`.
    #[param(pattern = "^[A-Za-z]{3}$")]
    from: Option<String>,
    /// Destination airport (IATA), e.g. `NRT`.
    #[param(pattern = "^[A-Za-z]{3}$")]
    to: Option<String>,
    /// Departure date, local at the origin (`YYYY-MM-DD`).
    date: Option<String>,
    /// 1 to 9 (default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 9)]
    passengers: Option<String>,
    /// `economy` (default), `premium_economy` or `business`.
    cabin: Option<String>,
    /// Return date for a round trip, local at the destination.
    return_date: Option<String>,
    /// `price` (default), `duration` or `departure`.
    sort: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Outbound itineraries.
    pub items: Vec<Itinerary>,
    /// Return itineraries (round trips only).
    pub return_items: Option<Vec<Itinerary>>,
    pub next_cursor: Option<String>,
    pub passengers: u32,
    pub cabin: Cabin,
}

/// Direct and one-stop itineraries from `from` to `to` departing in `[start, end)` with at
/// least `passengers` free seats in `cabin` on every segment.
pub async fn itineraries(
    state: &FlightState,
    from: &str,
    to: &str,
    (start, end): (i64, i64),
    cabin: Cabin,
    passengers: u32,
) -> Result<Vec<Itinerary>, ApiError> {
    let direct = store::direct(&state.db, from, to, start, end).await?;
    let pairs = store::connections(&state.db, from, to, start, end).await?;
    let mut ids: Vec<String> = direct.clone();
    for (a, b) in &pairs {
        ids.push(a.clone());
        ids.push(b.clone());
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let flights = store::flights(&state.db, &ids).await?;
    let fares = store::fares(&state.db, &ids, Some(cabin)).await?;
    let taken = store::taken_counts(&state.db, &ids, cabin).await?;
    let seats_left = |id: &str| -> Option<i64> {
        let flight = flights.get(id)?;
        let plane = aircraft::aircraft(&flight.aircraft)?;
        plane
            .has_cabin(cabin)
            .then(|| plane.capacity(cabin) - taken.get(id).copied().unwrap_or(0))
    };
    let routes = direct
        .iter()
        .map(|id| vec![id.clone()])
        .chain(pairs.iter().map(|(a, b)| vec![a.clone(), b.clone()]));
    let mut items = Vec::new();
    'route: for route in routes {
        let mut left = i64::MAX;
        let mut prices = (0i64, 0i64, 0i64);
        let mut currency = None;
        let mut segments = Vec::with_capacity(route.len());
        for id in &route {
            let (Some(flight), Some(seats), Some(fare)) = (
                flights.get(id),
                seats_left(id),
                fares.get(id).and_then(|f| f.first()),
            ) else {
                continue 'route;
            };
            left = left.min(seats);
            prices = (
                prices.0 + fare.prices.0,
                prices.1 + fare.prices.1,
                prices.2 + fare.prices.2,
            );
            currency.get_or_insert_with(|| fare.currency.clone());
            segments.push((flight, state.segment(flight)));
        }
        if left < i64::from(passengers) {
            continue;
        }
        let first = segments[0].0;
        let last = segments[segments.len() - 1].0;
        let currency = currency.unwrap_or_else(|| "USD".into());
        items.push(Itinerary {
            stops: segments.len() - 1,
            duration_minutes: (last.arrival_at - first.departure_at) / 60_000,
            seats_left: left,
            fares: FareFamily::ALL
                .into_iter()
                .map(|family| {
                    let price = domain::fare_price(&prices, family);
                    ItineraryFare {
                        fare_family: family,
                        cabin,
                        price,
                        total: price * i64::from(passengers),
                        currency: currency.clone(),
                    }
                })
                .collect(),
            segments: segments.into_iter().map(|(_, s)| s).collect(),
        });
    }
    Ok(items)
}

#[tracing::instrument(skip(state))]
#[utoipa::path(get, path = "/api/flights/search", tag = "flights", params(SearchParams), responses((status = 200, description = "Direct and one-stop itineraries with enough seats for every passenger", body = SearchResults), (status = 422, description = "Invalid field (unknown airport, origin = destination, past date, passengers outside 1-9)", body = Problem, content_type = "application/problem+json")))]
async fn search(
    State(state): State<FlightState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let origin = state.known("from", p.from.as_deref())?.clone();
    let destination = state.known("to", p.to.as_deref())?.clone();
    if origin.code == destination.code {
        return Err(ApiError::validation("to", "must differ from the origin"));
    }
    let date = domain::parse_date(
        "date",
        p.date
            .as_deref()
            .ok_or_else(|| ApiError::validation("date", "is required (YYYY-MM-DD)"))?,
    )?;
    let origin_tz = domain::zone(&origin.time_zone);
    domain::check_travel_date("date", date, origin_tz)?;
    let passengers = domain::parse_passengers(p.passengers.as_deref())?;
    let cabin = domain::parse_cabin(p.cabin.as_deref())?;
    let sort = domain::parse_sort(p.sort.as_deref())?;
    let return_date = p
        .return_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|raw| domain::parse_date("return_date", raw))
        .transpose()?;
    if return_date.is_some_and(|r| r < date) {
        return Err(ApiError::validation(
            "return_date",
            "must not be before date",
        ));
    }
    let started = std::time::Instant::now();
    let mut items = itineraries(
        &state,
        &origin.code,
        &destination.code,
        domain::day_window(origin_tz, date),
        cabin,
        passengers,
    )
    .await?;
    domain::sort_itineraries(&mut items, sort);
    let return_items = match return_date {
        Some(back) => {
            let tz = domain::zone(&destination.time_zone);
            let mut back_items = itineraries(
                &state,
                &destination.code,
                &origin.code,
                domain::day_window(tz, back),
                cabin,
                passengers,
            )
            .await?;
            domain::sort_itineraries(&mut back_items, sort);
            Some(back_items)
        }
        None => None,
    };
    metrics::histogram!("flight_search_seconds").record(started.elapsed().as_secs_f64());
    metrics::counter!("flight_searches_total").increment(1);
    Ok(Json(SearchResults {
        items,
        return_items,
        next_cursor: None,
        passengers,
        cabin,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarParams {
    #[param(pattern = "^[A-Za-z]{3}$")]
    from: Option<String>,
    #[param(pattern = "^[A-Za-z]{3}$")]
    to: Option<String>,
    /// `YYYY-MM`.
    month: Option<String>,
    /// `economy` (default), `premium_economy` or `business`.
    cabin: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarDay {
    /// Local date at the origin.
    pub date: String,
    /// The lowest fare per passenger that day (`null`: no flight with a free seat).
    pub lowest_price: Option<i64>,
    pub currency: Option<String>,
    pub fare_family: Option<FareFamily>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Calendar {
    pub month: String,
    pub cabin: Cabin,
    pub items: Vec<CalendarDay>,
}

#[tracing::instrument(skip(state))]
#[utoipa::path(get, path = "/api/flights/calendar", tag = "flights", params(CalendarParams), responses((status = 200, description = "The lowest fare per day of the month (days before today at the origin are left out)", body = Calendar), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn calendar(
    State(state): State<FlightState>,
    Query(p): Query<CalendarParams>,
) -> Result<Json<Calendar>, ApiError> {
    let origin = state.known("from", p.from.as_deref())?.clone();
    let destination = state.known("to", p.to.as_deref())?.clone();
    if origin.code == destination.code {
        return Err(ApiError::validation("to", "must differ from the origin"));
    }
    let (first, next) = domain::parse_month(p.month.as_deref())?;
    let cabin = domain::parse_cabin(p.cabin.as_deref())?;
    let tz = domain::zone(&origin.time_zone);
    let today = domain::today_at(tz);
    if next <= today {
        return Err(ApiError::validation("month", "is in the past"));
    }
    if (first - today).num_days() > domain::MAX_DAYS_AHEAD {
        return Err(ApiError::validation(
            "month",
            format!("is more than {} days ahead", domain::MAX_DAYS_AHEAD),
        ));
    }
    let mut items = Vec::new();
    let mut day: NaiveDate = first.max(today);
    while day < next {
        let found = itineraries(
            &state,
            &origin.code,
            &destination.code,
            domain::day_window(tz, day),
            cabin,
            1,
        )
        .await?;
        let lowest = found
            .iter()
            .flat_map(|i| i.fares.iter())
            .min_by_key(|f| f.price);
        items.push(CalendarDay {
            date: day.to_string(),
            lowest_price: lowest.map(|f| f.price),
            currency: lowest.map(|f| f.currency.clone()),
            fare_family: lowest.map(|f| f.fare_family),
        });
        day += Duration::days(1);
    }
    Ok(Json(Calendar {
        month: first.format("%Y-%m").to_string(),
        cabin,
        items,
    }))
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::NotFound(format!("no flight {id}")));
    }
    Ok(())
}

async fn load(state: &FlightState, id: &str) -> Result<FlightRow, ApiError> {
    check_id(id)?;
    store::flight(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no flight {id}")))
}

#[utoipa::path(get, path = "/api/flights/{id}", tag = "flights", params(("id" = String, Path, description = "Flight id")), responses((status = 200, description = "The flight with its fares", body = FlightView), (status = 404, description = "No such flight", body = Problem, content_type = "application/problem+json")))]
async fn show_flight(
    State(state): State<FlightState>,
    Path(id): Path<String>,
) -> Result<Json<FlightView>, ApiError> {
    let flight = load(&state, &id).await?;
    let fares = store::fares(&state.db, std::slice::from_ref(&flight.id), None).await?;
    Ok(Json(state.view(
        &flight,
        fares.get(&flight.id).map(Vec::as_slice).unwrap_or(&[]),
    )))
}

#[utoipa::path(get, path = "/api/flights/{id}/seats", tag = "flights", params(("id" = String, Path, description = "Flight id")), responses((status = 200, description = "Cabins, rows and seats (aisles as null), with what is free", body = SeatMap), (status = 404, description = "No such flight", body = Problem, content_type = "application/problem+json")))]
async fn seat_map(
    State(state): State<FlightState>,
    Path(id): Path<String>,
) -> Result<Json<SeatMap>, ApiError> {
    let flight = load(&state, &id).await?;
    let plane = aircraft::aircraft(&flight.aircraft).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("unknown aircraft {}", flight.aircraft))
    })?;
    let taken = store::taken_seats(&state.db, &flight.id).await?;
    Ok(Json(domain::seat_map(&flight.id, plane, &taken)))
}

/// flight's public API, served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare flight", description = "Airports, flight search, fare calendar, flights and seat maps."),
    paths(list_airports, search, calendar, show_flight, seat_map),
    modifiers(&CommonResponses),
    tags((name = "flights", description = "Flights and seat maps"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests;
