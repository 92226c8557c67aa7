//! The dashboard: one answer assembled from every service's own figures, read at once. A
//! service that cannot answer leaves its part empty and is named in `unavailable`, so one
//! slow service never blanks the whole dashboard.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use wayfare_chassis::db::{now_ms, rfc3339};
use wayfare_chassis::{ApiError, Json};

use super::{AdminState, Staff};
use crate::domain::TimeRange;

pub fn router() -> Router<AdminState> {
    Router::new().route("/api/admin/summary", get(summary))
}

/// The period the sales figures cover.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// Start (inclusive): RFC 3339, a date, or Unix ms. Default: 30 days before `to`.
    from: Option<String>,
    /// End (exclusive; a date includes that day). Default: now.
    to: Option<String>,
    /// Products with at most this many in stock are listed as low (default 5).
    #[param(minimum = 0, maximum = 1000000)]
    low_stock_threshold: Option<u32>,
}

#[utoipa::path(get, operation_id = "admin_summary", path = "/api/admin/summary", tag = "admin", security(("bearer" = [])), params(SummaryParams), responses((status = 200, description = "Orders and revenue per day and currency, refunds, bookings and their revenue, top products, products low on stock, departures in the next 48 hours with their load factor, and the payment decline rate", body = Object)))]
pub async fn summary(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(params): Query<SummaryParams>,
) -> Result<Json<Value>, ApiError> {
    let (from_ms, to_ms) =
        TimeRange::parse_or_last_30_days(params.from.as_deref(), params.to.as_deref(), now_ms())?;
    let range = format!("from_ms={from_ms}&to_ms={to_ms}");
    let threshold = params.low_stock_threshold.unwrap_or(5);
    let services = &state.services;
    let (orders, bookings, low_stock, departures, payments) = tokio::join!(
        services.get_json("order", format!("/internal/admin/summary?{range}")),
        services.get_json("booking", format!("/internal/admin/summary?{range}")),
        services.get_json(
            "catalog",
            format!("/internal/admin/low-stock?threshold={threshold}&limit=10")
        ),
        services.get_json("flight", "/internal/admin/flights/upcoming?hours=48".into()),
        services.get_json("payment", format!("/internal/admin/summary?{range}")),
    );
    let mut unavailable: Vec<&str> = Vec::new();
    let mut part = |service: &'static str, answer: Result<Value, crate::client::Answer>| {
        answer
            .map_err(|failed| {
                tracing::warn!(service, status = %failed.status, "a dashboard figure is missing");
                unavailable.push(service);
            })
            .ok()
    };
    let orders = part("order", orders);
    let bookings = part("booking", bookings);
    let low_stock = part("catalog", low_stock);
    let departures = part("flight", departures);
    let payments = part("payment", payments);
    let field = |value: &Option<Value>, key: &str| {
        value
            .as_ref()
            .and_then(|v| v.get(key))
            .cloned()
            .unwrap_or_else(|| json!([]))
    };
    Ok(Json(json!({
        "from": rfc3339(from_ms),
        "to": rfc3339(to_ms),
        "orders": {
            "per_day": field(&orders, "per_day"),
            "refunds": field(&orders, "refunds"),
        },
        "top_products": field(&orders, "top_products"),
        "bookings": {
            "per_day": field(&bookings, "per_day"),
            "refunds": field(&bookings, "refunds"),
        },
        "low_stock": field(&low_stock, "items"),
        "departures": field(&departures, "items"),
        "payments": payments.clone().unwrap_or(Value::Null),
        "decline_rate": payments.as_ref().and_then(|p| p.get("decline_rate")).cloned().unwrap_or(Value::Null),
        "unavailable": unavailable,
    })))
}
