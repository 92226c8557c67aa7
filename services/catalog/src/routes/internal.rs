//! `/internal/reservations`: stock reservations for the checkout saga. Never routed by the
//! gateway; callers must present a service token (order and admin may call).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{ApiError, Json};

use super::CatalogState;
use crate::store::reservations::{self, CommitOutcome, ReleaseScope, Reservation, ReserveOutcome};

/// Who may call catalog's internal API.
pub const ALLOWED_CALLERS: &[&str] = &["order", "admin"];

pub fn router(state: CatalogState) -> Router {
    Router::new()
        .route("/internal/reservations", post(reserve))
        .route("/internal/reservations/{order_id}", get(show))
        .route("/internal/reservations/{order_id}/commit", post(commit))
        .route("/internal/reservations/{order_id}/release", post(release))
        .with_state(state)
}

/// The wire type lives in catalog's contract crate.
pub use wayfare_catalog_api::ReserveRequest;

const DEFAULT_TTL_SECONDS: u64 = 900;

fn check_order_id(order_id: &str) -> Result<(), ApiError> {
    if order_id.is_empty() || order_id.len() > 64 {
        return Err(ApiError::validation(
            "order_id",
            "must be 1 to 64 characters",
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, order_id = %body.order_id))]
async fn reserve(
    State(state): State<CatalogState>,
    caller: ServiceCaller,
    Json(body): Json<ReserveRequest>,
) -> Result<Json<Reservation>, ApiError> {
    check_order_id(&body.order_id)?;
    if body.items.is_empty() || body.items.len() > 100 {
        return Err(ApiError::validation("items", "must hold 1 to 100 lines"));
    }
    if body.items.iter().any(|l| !(1..=999).contains(&l.quantity)) {
        return Err(ApiError::validation(
            "items",
            "quantities must be between 1 and 999",
        ));
    }
    let ttl_ms = (body
        .ttl_seconds
        .unwrap_or(DEFAULT_TTL_SECONDS)
        .clamp(1, 24 * 3600)
        * 1000) as i64;
    let outcome = reservations::reserve(&state.db, &body.order_id, &body.items, ttl_ms)
        .await
        .map_err(ApiError::from)?;
    match outcome {
        ReserveOutcome::Reserved(reservation) => {
            invalidate(
                &state,
                reservation.items.iter().map(|l| l.product_id.as_str()),
            )
            .await;
            metrics::counter!("catalog_reservations_total", "result" => "reserved").increment(1);
            Ok(Json(reservation))
        }
        ReserveOutcome::OutOfStock { product_id } => {
            metrics::counter!("catalog_reservations_total", "result" => "out_of_stock")
                .increment(1);
            Err(ApiError::conflict(
                "out_of_stock",
                format!("not enough stock for product {product_id}"),
            ))
        }
        ReserveOutcome::UnknownProduct { product_id } => Err(ApiError::validation(
            "items",
            format!("unknown or inactive product {product_id}"),
        )),
        ReserveOutcome::Released(_) => Err(ApiError::conflict(
            "reservation_released",
            "this order's reservation was released",
        )),
    }
}

async fn show(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Path(order_id): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    reservations::find(&state.db, &order_id)
        .await
        .map_err(ApiError::from)?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no reservation for order {order_id}")))
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, order_id = %order_id))]
async fn commit(
    State(state): State<CatalogState>,
    caller: ServiceCaller,
    Path(order_id): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    match reservations::commit(&state.db, &order_id)
        .await
        .map_err(ApiError::from)?
    {
        CommitOutcome::Committed(reservation) => Ok(Json(reservation)),
        CommitOutcome::NotFound => Err(ApiError::NotFound(format!(
            "no reservation for order {order_id}"
        ))),
        CommitOutcome::Released(_) => Err(ApiError::conflict(
            "reservation_released",
            "this order's reservation was released",
        )),
    }
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, order_id = %order_id))]
async fn release(
    State(state): State<CatalogState>,
    caller: ServiceCaller,
    Path(order_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let changed = reservations::release(&state.db, &order_id, ReleaseScope::Any)
        .await
        .map_err(ApiError::from)?;
    invalidate(&state, changed.iter().map(String::as_str)).await;
    Ok(Json(
        serde_json::json!({"order_id": order_id, "status": "released", "returned_products": changed.len()}),
    ))
}

async fn invalidate(state: &CatalogState, products: impl Iterator<Item = &str>) {
    for id in products {
        crate::domain::forget_cached_product(&state.cache, id).await;
    }
}
