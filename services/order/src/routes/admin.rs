//! `/internal/admin/**`: the back office's view of every customer's orders, its refunds, and
//! the sales figures of its dashboard. Only the admin service may call it.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use wayfare_chassis::db::rfc3339;
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{ApiError, Json, NewestFirst, Page};

use super::OrderState;
use crate::domain::{Order, OrderStatus, OrderView};
use crate::error::OrderError;
use crate::store::{self, OrderFilter};

/// Who may call order's internal API.
pub const ALLOWED_CALLERS: &[&str] = &["admin"];

pub fn router(state: OrderState) -> Router {
    Router::new()
        .route("/internal/admin/orders", get(search))
        .route("/internal/admin/orders/{id}", get(show))
        .route("/internal/admin/orders/{id}/refund", post(refund))
        .route("/internal/admin/summary", get(summary))
        .with_state(state)
}

/// An order as the back office sees it: the owner's view plus whose it is.
#[derive(Debug, Serialize)]
pub struct AdminOrderView {
    pub user_id: String,
    #[serde(flatten)]
    pub order: OrderView,
}

impl From<&Order> for AdminOrderView {
    fn from(order: &Order) -> Self {
        Self {
            user_id: order.user_id.clone(),
            order: OrderView::from(order),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    status: Option<String>,
    user_id: Option<String>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn parse_status(raw: &str) -> Result<OrderStatus, ApiError> {
    let status = OrderStatus::parse(raw);
    if status.as_str() != raw {
        return Err(ApiError::validation(
            "status",
            "one of pending, confirmed, failed, cancelling, cancelled",
        ));
    }
    Ok(status)
}

async fn search(
    State(state): State<OrderState>,
    _caller: ServiceCaller,
    Query(params): Query<SearchParams>,
) -> Result<Json<Page<AdminOrderView>>, ApiError> {
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let filter = OrderFilter {
        status: params.status.as_deref().map(parse_status).transpose()?,
        user_id: params.user_id,
        from_ms: params.from_ms,
        to_ms: params.to_ms,
    };
    let orders = store::search(&state.db, &filter, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        orders,
        |o: &Order| (o.created_at, o.id.as_str()),
        |o| AdminOrderView::from(o),
    )))
}

async fn find(state: &OrderState, id: &str) -> Result<Order, ApiError> {
    Ok(store::find(&state.db, id)
        .await?
        .ok_or_else(|| OrderError::NotFound(id.to_string()))?)
}

async fn show(
    State(state): State<OrderState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
) -> Result<Json<AdminOrderView>, ApiError> {
    Ok(Json(AdminOrderView::from(&find(&state, &id).await?)))
}

/// Refunds a confirmed order in full and returns its stock: the customer's cancel, done by
/// staff. Once: an order already refunded is a 409, and an interrupted refund is finished
/// (the refund key is the order's, so payment never refunds twice).
async fn refund(
    State(state): State<OrderState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
) -> Result<Json<AdminOrderView>, ApiError> {
    let order = find(&state, &id).await?;
    match order.status {
        OrderStatus::Cancelled => {
            return Err(ApiError::conflict(
                "already_refunded",
                format!("order {id} was refunded already"),
            ))
        }
        OrderStatus::Pending | OrderStatus::Failed => {
            return Err(ApiError::conflict(
                "not_refundable",
                format!("a {} order has no payment to refund", order.status.as_str()),
            ))
        }
        OrderStatus::Confirmed | OrderStatus::Cancelling => {}
    }
    state.saga.cancel(&order).await?;
    Ok(Json(AdminOrderView::from(&find(&state, &id).await?)))
}

#[derive(Debug, Deserialize)]
pub struct SummaryParams {
    from_ms: i64,
    to_ms: i64,
    /// How many best sellers to list (default 5, at most 50).
    top: Option<u32>,
}

/// Sales of one day (UTC) in one currency.
#[derive(Debug, Serialize, Default)]
pub struct DaySales {
    pub day: String,
    pub currency: String,
    /// Orders confirmed (and not refunded since).
    pub orders: i64,
    /// What they were paid, in minor units.
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
pub struct TopProduct {
    pub product_id: String,
    pub name: String,
    pub currency: String,
    pub quantity: i64,
    pub revenue: i64,
}

#[derive(Debug, Serialize)]
pub struct SalesSummary {
    pub from: String,
    pub to: String,
    pub per_day: Vec<DaySales>,
    pub refunds: Vec<Refunds>,
    pub top_products: Vec<TopProduct>,
}

/// The sales figures of orders created in `[from_ms, to_ms)`.
async fn summary(
    State(state): State<OrderState>,
    _caller: ServiceCaller,
    Query(params): Query<SummaryParams>,
) -> Result<Json<SalesSummary>, ApiError> {
    if params.to_ms <= params.from_ms {
        return Err(ApiError::validation("to_ms", "must be after from_ms"));
    }
    let sales = store::sales(&state.db, params.from_ms, params.to_ms).await?;
    let mut per_day: BTreeMap<(String, String), DaySales> = BTreeMap::new();
    let mut refunds: BTreeMap<String, Refunds> = BTreeMap::new();
    for sale in &sales {
        if sale.status == OrderStatus::Confirmed.as_str() {
            let day = rfc3339(sale.created_at)[..10].to_string();
            let entry = per_day
                .entry((day.clone(), sale.currency.clone()))
                .or_insert_with(|| DaySales {
                    day,
                    currency: sale.currency.clone(),
                    ..DaySales::default()
                });
            entry.orders += 1;
            entry.revenue += sale.total;
        } else if sale.status == OrderStatus::Cancelled.as_str() && sale.total > 0 {
            let entry = refunds
                .entry(sale.currency.clone())
                .or_insert_with(|| Refunds {
                    currency: sale.currency.clone(),
                    ..Refunds::default()
                });
            entry.count += 1;
            entry.amount += sale.total;
        }
    }
    let top = store::top_products(
        &state.db,
        params.from_ms,
        params.to_ms,
        params.top.unwrap_or(5).clamp(1, 50),
    )
    .await?;
    Ok(Json(SalesSummary {
        from: rfc3339(params.from_ms),
        to: rfc3339(params.to_ms),
        per_day: per_day.into_values().collect(),
        refunds: refunds.into_values().collect(),
        top_products: top
            .into_iter()
            .map(|p| TopProduct {
                product_id: p.product_id,
                name: p.name,
                currency: p.currency,
                quantity: p.quantity,
                revenue: p.revenue,
            })
            .collect(),
    }))
}
