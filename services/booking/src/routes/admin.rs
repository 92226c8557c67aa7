//! `/internal/admin/**`: the back office's view of every customer's bookings, cancellations
//! on the airline's behalf (one booking, or every booking on a cancelled flight, each with a
//! full refund that payment makes once per booking however often this is retried), and the
//! airline's sales figures. Only the admin service may call it.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use wayfare_chassis::db::rfc3339;
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{ApiError, Json, NewestFirst, Page};

use super::BookingState;
use crate::domain::{Booking, BookingStatus, BookingView};
use crate::store::{self, BookingFilter};

/// Who may call booking's internal API.
pub const ALLOWED_CALLERS: &[&str] = &["admin"];

/// Why the back office cancelled a booking, when staff give no reason.
const BY_STAFF: &str = "cancelled by the airline";

pub fn router(state: BookingState) -> Router {
    Router::new()
        .route("/internal/admin/bookings", get(search))
        .route("/internal/admin/bookings/{id}", get(show))
        .route("/internal/admin/bookings/{id}/cancel", post(cancel))
        .route(
            "/internal/admin/flights/{flight_id}/cancel-bookings",
            post(cancel_flight_bookings),
        )
        .route("/internal/admin/summary", get(summary))
        .with_state(state)
}

/// A booking as the back office sees it: the owner's view plus whose it is.
#[derive(Debug, Serialize)]
pub struct AdminBookingView {
    pub user_id: String,
    #[serde(flatten)]
    pub booking: BookingView,
}

impl From<&Booking> for AdminBookingView {
    fn from(booking: &Booking) -> Self {
        Self {
            user_id: booking.user_id.clone(),
            booking: booking.view(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    pnr: Option<String>,
    name: Option<String>,
    flight_id: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn text(
    value: Option<String>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    let value = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(ApiError::validation(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(value)
}

async fn search(
    State(state): State<BookingState>,
    _caller: ServiceCaller,
    Query(params): Query<SearchParams>,
) -> Result<Json<Page<AdminBookingView>>, ApiError> {
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => {
            let status = BookingStatus::parse(raw);
            if status.as_str() != raw {
                return Err(ApiError::validation(
                    "status",
                    "one of holding, held, payment_pending, confirmed, cancelling, cancelled, expired, failed",
                ));
            }
            Some(status)
        }
        None => None,
    };
    let filter = BookingFilter {
        pnr: text(params.pnr, "pnr", 16)?,
        name: text(params.name, "name", 100)?,
        flight_id: text(params.flight_id, "flight_id", 64)?,
        status,
    };
    let bookings = store::search(&state.db, &filter, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        bookings,
        |b: &Booking| (b.created_at, b.id.as_str()),
        |b| AdminBookingView::from(b),
    )))
}

async fn find(state: &BookingState, id: &str) -> Result<Booking, ApiError> {
    store::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no booking {id}")))
}

async fn show(
    State(state): State<BookingState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
) -> Result<Json<AdminBookingView>, ApiError> {
    Ok(Json(AdminBookingView::from(&find(&state, &id).await?)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCancel {
    /// Shown to the customer.
    reason: Option<String>,
    /// `full` (default: the airline's decision, everything back) or `fare_rules` (what the
    /// customer would get by cancelling themselves).
    refund: Option<String>,
}

/// Cancels one booking on the airline's behalf. A booking already cancelled answers as it is
/// (its refund was made once); an unpaid one is cancelled without a refund.
async fn cancel(
    State(state): State<BookingState>,
    caller: ServiceCaller,
    Path(id): Path<String>,
    Json(body): Json<StaffCancel>,
) -> Result<Json<AdminBookingView>, ApiError> {
    let booking = find(&state, &id).await?;
    let reason = text(body.reason, "reason", 500)?.unwrap_or_else(|| BY_STAFF.to_string());
    let refund = match body.refund.as_deref().unwrap_or("full") {
        "full" => booking.total,
        "fare_rules" => booking.customer_refund(),
        _ => return Err(ApiError::validation("refund", "full or fare_rules")),
    };
    state.saga.cancel(&booking, refund, &reason).await?;
    tracing::info!(caller = %caller.0, booking_id = %id, "booking cancelled by the back office");
    Ok(Json(AdminBookingView::from(&find(&state, &id).await?)))
}

#[derive(Debug, Serialize)]
pub struct FlightCancellation {
    pub flight_id: String,
    pub cancelled: usize,
    /// Bookings that could not be finished now (booking's follower of flight cancellations
    /// finishes them).
    pub pending: Vec<String>,
}

/// Cancels every booking on a (cancelled) flight with a full refund, now rather than when
/// the follower next looks. Idempotent: each booking's refund has one key, so a retry, or a
/// race with the follower, refunds nobody twice.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlightCancelled {
    /// The airline's reason, shown to travellers.
    reason: Option<String>,
}

async fn cancel_flight_bookings(
    State(state): State<BookingState>,
    caller: ServiceCaller,
    Path(flight_id): Path<String>,
    Json(body): Json<FlightCancelled>,
) -> Result<Json<FlightCancellation>, ApiError> {
    let reason = text(body.reason, "reason", 500)?;
    let mut cancelled = 0;
    let mut pending = Vec::new();
    for id in store::on_flight(&state.db, &flight_id).await? {
        let Some(booking) = store::find(&state.db, &id).await? else {
            continue;
        };
        let number = booking
            .itinerary
            .iter()
            .find(|s| s.flight_id == flight_id)
            .map_or(flight_id.clone(), |s| s.number.clone());
        let why = match &reason {
            Some(reason) => format!("flight {number} was cancelled by the airline: {reason}"),
            None => format!("flight {number} was cancelled by the airline"),
        };
        match state.saga.cancel(&booking, booking.total, &why).await {
            Ok(()) => cancelled += 1,
            Err(err) => {
                tracing::warn!(booking_id = %id, error = %err, "a booking on a cancelled flight is left to the follower");
                pending.push(id);
            }
        }
    }
    tracing::info!(caller = %caller.0, flight_id = %flight_id, cancelled, pending = pending.len(), "bookings on a cancelled flight cancelled");
    Ok(Json(FlightCancellation {
        flight_id,
        cancelled,
        pending,
    }))
}

#[derive(Debug, Deserialize)]
pub struct SummaryParams {
    from_ms: i64,
    to_ms: i64,
}

/// Bookings and their revenue on one day in one currency.
#[derive(Debug, Serialize, Default)]
pub struct DayBookings {
    pub day: String,
    pub currency: String,
    pub bookings: i64,
    pub revenue: i64,
}

/// Refunds in one currency.
#[derive(Debug, Serialize, Default)]
pub struct Refunds {
    pub currency: String,
    pub count: i64,
    pub amount: i64,
}

#[derive(Debug, Serialize)]
pub struct BookingSummary {
    pub from: String,
    pub to: String,
    pub per_day: Vec<DayBookings>,
    pub refunds: Vec<Refunds>,
}

/// Paid bookings created in `[from_ms, to_ms)`: revenue by day and currency (what was
/// charged, refunds included), and what was refunded.
async fn summary(
    State(state): State<BookingState>,
    _caller: ServiceCaller,
    Query(params): Query<SummaryParams>,
) -> Result<Json<BookingSummary>, ApiError> {
    if params.to_ms <= params.from_ms {
        return Err(ApiError::validation("to_ms", "must be after from_ms"));
    }
    let sales = store::sales(&state.db, params.from_ms, params.to_ms).await?;
    let mut per_day: BTreeMap<(String, String), DayBookings> = BTreeMap::new();
    let mut refunds: BTreeMap<String, Refunds> = BTreeMap::new();
    for sale in &sales {
        let day = rfc3339(sale.created_at)[..10].to_string();
        let entry = per_day
            .entry((day.clone(), sale.currency.clone()))
            .or_insert_with(|| DayBookings {
                day,
                currency: sale.currency.clone(),
                ..DayBookings::default()
            });
        entry.bookings += 1;
        entry.revenue += sale.total;
        if sale.status == BookingStatus::Cancelled.as_str() && sale.refunded_amount > 0 {
            let entry = refunds
                .entry(sale.currency.clone())
                .or_insert_with(|| Refunds {
                    currency: sale.currency.clone(),
                    ..Refunds::default()
                });
            entry.count += 1;
            entry.amount += sale.refunded_amount;
        }
    }
    Ok(Json(BookingSummary {
        from: rfc3339(params.from_ms),
        to: rfc3339(params.to_ms),
        per_day: per_day.into_values().collect(),
        refunds: refunds.into_values().collect(),
    }))
}
