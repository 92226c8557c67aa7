//! order's HTTP API: the cart, checkout, the owner's orders, and cancellation. Another user's
//! order is a 404, exactly like a missing one, so ids leak nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::error::Problem;
use wayfare_chassis::identity::{AuthUser, InternalGuard, TokenVerifier};
use wayfare_chassis::openapi::{BearerAuth, CommonResponses};
use wayfare_chassis::worker::poll_until;
use wayfare_chassis::{ApiError, Json, NewestFirst, Page};

use crate::domain::cart::{Cart, CartStore};
use crate::domain::saga::Saga;
use crate::domain::{self, reason, Order, OrderLine, OrderStatus, OrderView};
use crate::error::OrderError;
use crate::store;

/// The handlers' state; extractors take the parts they need (`FromRef` derived).
#[derive(Clone, FromRef)]
pub struct OrderState {
    pub db: Db,
    pub saga: Arc<Saga>,
    pub carts: CartStore,
    pub verifier: TokenVerifier,
    /// How long a duplicate checkout waits for the first one with its key to settle.
    pub duplicate_wait: Duration,
    /// Who may call `/internal/**` (the admin service).
    pub internal: InternalGuard,
}

pub mod admin;

pub fn router(state: OrderState) -> Router {
    Router::new()
        .route("/api/cart", get(show_cart).delete(clear_cart))
        .route(
            "/api/cart/items/{product_id}",
            put(put_item).delete(delete_item),
        )
        .route("/api/orders", post(checkout).get(list_orders))
        .route("/api/orders/{id}", get(show_order))
        .route("/api/orders/{id}/cancel", post(cancel_order))
        .with_state(state.clone())
        .merge(admin::router(state))
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

// ------------------------------------------------------------------------------------ cart

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CartLineView {
    pub product_id: String,
    pub quantity: i64,
    pub name: Option<String>,
    pub unit_price: Option<i64>,
    pub currency: Option<String>,
    pub line_total: Option<i64>,
    /// False when the product is gone or no longer for sale.
    pub available: bool,
    /// False when fewer units are in stock than the cart holds.
    pub in_stock: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CartView {
    pub items: Vec<CartLineView>,
    /// Sum over available lines, when they all share one currency; `null` for a cart that
    /// mixes currencies (see `totals`).
    pub total: Option<i64>,
    pub currency: Option<String>,
    /// One total per currency over available lines.
    pub totals: Vec<MoneyTotal>,
    /// True when a price differs from the one shown when the product was added: checking
    /// out needs `expected_total` (or adding the product again) to confirm the new price.
    pub price_changed: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MoneyTotal {
    pub currency: String,
    pub total: i64,
}

async fn cart_view(state: &OrderState, cart: &Cart) -> Result<CartView, ApiError> {
    let ids: Vec<String> = cart.items.keys().cloned().collect();
    let products = state
        .saga
        .catalog
        .products(&ids)
        .await
        .map_err(ApiError::from)?;
    let mut items = Vec::with_capacity(cart.items.len());
    let mut totals: std::collections::BTreeMap<String, i64> = Default::default();
    let mut price_changed = false;
    for (product_id, quantity) in &cart.items {
        let (product_id, quantity) = (product_id.clone(), *quantity);
        let line = match products.get(&product_id) {
            Some(p) => {
                *totals.entry(p.currency.clone()).or_insert(0) += p.price * quantity;
                price_changed |= cart
                    .seen_prices
                    .get(&product_id)
                    .is_some_and(|seen| *seen != p.price);
                CartLineView {
                    product_id,
                    quantity,
                    name: Some(p.name.clone()),
                    unit_price: Some(p.price),
                    currency: Some(p.currency.clone()),
                    line_total: Some(p.price * quantity),
                    available: true,
                    in_stock: p.stock >= quantity,
                }
            }
            None => CartLineView {
                product_id,
                quantity,
                name: None,
                unit_price: None,
                currency: None,
                line_total: None,
                available: false,
                in_stock: false,
            },
        };
        items.push(line);
    }
    let (total, currency) = match totals.len() {
        0 => (Some(0), None),
        1 => {
            let (currency, total) = totals.iter().next().expect("one entry");
            (Some(*total), Some(currency.clone()))
        }
        _ => (None, None),
    };
    Ok(CartView {
        items,
        total,
        currency,
        totals: totals
            .into_iter()
            .map(|(currency, total)| MoneyTotal { currency, total })
            .collect(),
        price_changed,
    })
}

#[utoipa::path(get, path = "/api/cart", tag = "cart", security(("bearer" = [])), responses((status = 200, description = "The cart with current names and prices", body = CartView)))]
async fn show_cart(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
) -> Result<Json<CartView>, ApiError> {
    let cart = state.carts.show(&user.sub).await;
    Ok(Json(cart_view(&state, &cart).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutItem {
    #[schema(minimum = 1, maximum = 99)]
    quantity: i64,
}

const MAX_CART_LINES: usize = domain::MAX_ORDER_LINES;

#[utoipa::path(put, path = "/api/cart/items/{product_id}", tag = "cart", security(("bearer" = [])), params(("product_id" = String, Path, description = "Product id")), request_body = PutItem, responses((status = 200, description = "The cart", body = CartView), (status = 404, description = "No such product for sale", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Quantity outside 1-99", body = Problem, content_type = "application/problem+json")))]
async fn put_item(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
    Path(product_id): Path<String>,
    Json(body): Json<PutItem>,
) -> Result<Json<CartView>, ApiError> {
    let quantity = domain::parse_quantity(body.quantity)?;
    let product_id = domain::parse_product_id(&product_id)?;
    let Some(product) = state
        .saga
        .catalog
        .product(&product_id)
        .await
        .map_err(ApiError::from)?
    else {
        return Err(ApiError::NotFound(format!(
            "no product {product_id} for sale"
        )));
    };
    let mut cart = state.carts.load(&user.sub).await?;
    if !cart.items.contains_key(&product_id) && cart.items.len() >= MAX_CART_LINES {
        return Err(ApiError::validation(
            "product_id",
            format!("a cart holds at most {MAX_CART_LINES} products"),
        ));
    }
    // Adding (or re-adding) a product is the customer seeing its current price.
    cart.seen_prices.insert(product_id.clone(), product.price);
    cart.items.insert(product_id, quantity);
    state.carts.save(&user.sub, &cart).await?;
    Ok(Json(cart_view(&state, &cart).await?))
}

#[utoipa::path(delete, path = "/api/cart/items/{product_id}", tag = "cart", security(("bearer" = [])), params(("product_id" = String, Path, description = "Product id")), responses((status = 200, description = "The cart", body = CartView)))]
async fn delete_item(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
    Path(product_id): Path<String>,
) -> Result<Json<CartView>, ApiError> {
    let mut cart = state.carts.load(&user.sub).await?;
    cart.items.remove(&product_id);
    cart.seen_prices.remove(&product_id);
    state.carts.save(&user.sub, &cart).await?;
    Ok(Json(cart_view(&state, &cart).await?))
}

#[utoipa::path(delete, path = "/api/cart", tag = "cart", security(("bearer" = [])), responses((status = 204, description = "Emptied")))]
async fn clear_cart(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, ApiError> {
    state.carts.clear(&user.sub).await?;
    Ok(StatusCode::NO_CONTENT)
}

// -------------------------------------------------------------------------------- checkout

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// A test payment method of the simulated provider (see the README).
    #[schema(pattern = "^pm_card_(ok|visa|declined|insufficient_funds|provider_error|timeout)$")]
    payment_method: String,
    /// Buy these instead of the cart's contents (at most 50 distinct products).
    #[schema(max_items = 200)]
    items: Option<Vec<CheckoutItem>>,
    /// The total (minor units) the customer was shown and agreed to pay. When it differs
    /// from the current prices the answer is 409 `price_changed` and nothing is charged.
    /// Without it, a cart checkout compares each price with the one shown when the product
    /// was added to the cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected_total: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutItem {
    product_id: String,
    #[schema(minimum = 1, maximum = 99)]
    quantity: i64,
}

#[tracing::instrument(skip_all, fields(user_id = %user.sub))]
#[utoipa::path(post, path = "/api/orders", tag = "orders", security(("bearer" = [])), params(("Idempotency-Key" = String, Header, description = "Required; repeats return the first answer")), request_body = CheckoutRequest, responses((status = 201, description = "Confirmed", body = OrderView), (status = 202, description = "Pending: payment did not answer in time; settled later", body = OrderView), (status = 400, description = "No Idempotency-Key", body = Problem, content_type = "application/problem+json"), (status = 402, description = "Payment failed (code: payment_declined, insufficient_funds, payment_failed, payment_timeout)", body = Problem, content_type = "application/problem+json"), (status = 409, description = "out_of_stock, or the key was used for another order", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn checkout(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    Json(body): Json<CheckoutRequest>,
) -> Result<Response, ApiError> {
    let key = wayfare_chassis::idempotency::key_from_headers(&headers)?;
    // A retry of a request already seen gets the first answer, whatever the cart, prices or
    // stock have done since: look the key up before anything that depends on them.
    let hash = domain::request_hash(&body);
    if let Some(existing) = store::find_by_key(&state.db, &user.sub, &key).await? {
        return replay(&state, existing, &hash).await;
    }
    let payment_method = domain::parse_payment_method(&body.payment_method)?;
    let cart = match &body.items {
        Some(_) => None,
        None => Some(state.carts.load(&user.sub).await?),
    };
    let items: Vec<(String, i64)> = match (&body.items, &cart) {
        (Some(items), _) => {
            if items.len() > domain::MAX_REQUEST_ITEMS {
                return Err(ApiError::validation(
                    "items",
                    format!("at most {} entries", domain::MAX_REQUEST_ITEMS),
                ));
            }
            let mut merged = std::collections::BTreeMap::new();
            for item in items {
                let id = domain::parse_product_id(&item.product_id)?;
                *merged.entry(id).or_insert(0) += domain::parse_quantity(item.quantity)?;
            }
            merged.into_iter().collect()
        }
        (None, Some(cart)) => cart.items.clone().into_iter().collect(),
        (None, None) => unreachable!("a cart is loaded when no items are given"),
    };
    let from_cart = cart.is_some();
    if items.is_empty() {
        return Err(ApiError::validation(
            "items",
            "nothing to buy: the cart is empty",
        ));
    }
    if items.len() > domain::MAX_ORDER_LINES {
        return Err(ApiError::validation(
            "items",
            format!(
                "an order holds at most {} products",
                domain::MAX_ORDER_LINES
            ),
        ));
    }
    if items.iter().any(|(_, q)| *q > domain::MAX_QUANTITY) {
        return Err(ApiError::validation(
            "quantity",
            format!("must be between 1 and {}", domain::MAX_QUANTITY),
        ));
    }

    // Snapshot names and prices now (one batched lookup): the order keeps them whatever the
    // catalog does later.
    let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
    let products = state
        .saga
        .catalog
        .products(&ids)
        .await
        .map_err(ApiError::from)?;
    let mut lines = Vec::with_capacity(items.len());
    let mut currency: Option<String> = None;
    let mut changed = Vec::new();
    for (product_id, quantity) in &items {
        let product = products.get(product_id).ok_or_else(|| {
            ApiError::validation("items", format!("product {product_id} is not for sale"))
        })?;
        if currency.get_or_insert_with(|| product.currency.clone()) != &product.currency {
            return Err(ApiError::validation(
                "items",
                "all products of one order must share a currency",
            ));
        }
        if let Some(seen) = cart.as_ref().and_then(|c| c.seen_prices.get(product_id)) {
            if *seen != product.price {
                changed.push(product_id.clone());
            }
        }
        lines.push(OrderLine {
            product_id: product_id.clone(),
            name: product.name.clone(),
            unit_price: product.price,
            quantity: *quantity,
        });
    }
    let total: i64 = lines.iter().map(|l| l.unit_price * l.quantity).sum();
    let confirmed_by_customer = body.expected_total == Some(total);
    if body.expected_total.is_some() && !confirmed_by_customer
        || body.expected_total.is_none() && !changed.is_empty()
    {
        return Err(price_changed(total, currency.as_deref(), &changed));
    }
    let now = now_ms();
    let order = Order {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user.sub.clone(),
        idempotency_key: key.clone(),
        request_hash: hash.clone(),
        status: OrderStatus::Pending,
        failure_reason: None,
        total,
        currency: currency.unwrap_or_else(|| "USD".into()),
        payment_method,
        payment_id: None,
        from_cart,
        created_at: now,
        updated_at: now,
        lines,
    };
    if store::insert_pending(&state.db, &order).await?.is_none() {
        // A concurrent request with the same key got there first.
        let existing = store::find_by_key(&state.db, &user.sub, &key)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("order for key vanished")))?;
        return replay(&state, existing, &hash).await;
    }
    metrics::counter!("orders_total", "status" => "created").increment(1);
    state.saga.checkout(&order).await?;
    let settled = store::find(&state.db, &order.id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("order vanished")))?;
    Ok(checkout_response(&settled))
}

/// 409 `price_changed`: what the order would cost now, and which products changed, so the
/// client can show the new total and ask before retrying with `expected_total`.
fn price_changed(total: i64, currency: Option<&str>, changed: &[String]) -> ApiError {
    let _ = (total, currency, changed);
    ApiError::conflict(
        "price_changed",
        format!(
            "prices changed since they were shown: the order now costs {total} {} (minor units); confirm by sending expected_total {total}{}",
            currency.unwrap_or(""),
            if changed.is_empty() {
                String::new()
            } else {
                format!(" (changed: {})", changed.join(", "))
            }
        ),
    )
}

/// The answer for a key seen before: 409 if the request differs, else the same answer the
/// first request got (waiting for it to settle if it is still running).
async fn replay(state: &OrderState, mut order: Order, hash: &str) -> Result<Response, ApiError> {
    if order.request_hash != hash {
        return Err(ApiError::from(OrderError::KeyReused));
    }
    if order.status == OrderStatus::Pending {
        let id = order.id.clone();
        let settled = poll_until(state.duplicate_wait, || async {
            let current = store::find(&state.db, &id)
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("order vanished")))?;
            Ok::<_, ApiError>((current.status != OrderStatus::Pending).then_some(current))
        })
        .await?;
        if let Some(settled) = settled {
            order = settled;
        }
    }
    Ok(checkout_response(&order))
}

/// 201 confirmed, 202 still pending (the reconciler will settle it), and for a failed order a
/// problem whose `code` is the reason: 409 for stock, 402 for payment.
fn checkout_response(order: &Order) -> Response {
    let view = OrderView::from(order);
    match order.status {
        OrderStatus::Confirmed => (StatusCode::CREATED, axum::Json(view)).into_response(),
        OrderStatus::Pending => (StatusCode::ACCEPTED, axum::Json(view)).into_response(),
        OrderStatus::Cancelling | OrderStatus::Cancelled => {
            (StatusCode::OK, axum::Json(view)).into_response()
        }
        OrderStatus::Failed => {
            let code = order
                .failure_reason
                .clone()
                .unwrap_or_else(|| "failed".into());
            let status = match code.as_str() {
                reason::PAYMENT_DECLINED
                | reason::INSUFFICIENT_FUNDS
                | reason::PAYMENT_FAILED
                | reason::PAYMENT_TIMEOUT => StatusCode::PAYMENT_REQUIRED,
                _ => StatusCode::CONFLICT,
            };
            let problem = wayfare_chassis::error::Problem::new(
                status,
                &code,
                format!("order {} failed: {}", order.id, code.replace('_', " ")),
            );
            // The standard problem plus the order itself, so the client sees what failed.
            let mut body = serde_json::to_value(problem).expect("a problem serialises");
            body["order_id"] = serde_json::json!(order.id);
            body["order"] = serde_json::json!(view);
            let mut response = (status, axum::Json(body)).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(wayfare_chassis::error::PROBLEM_JSON),
            );
            response
        }
    }
}

// ---------------------------------------------------------------------------------- orders

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/orders", tag = "orders", security(("bearer" = [])), params(ListParams), responses((status = 200, description = "The caller's orders, newest first", body = Page<OrderView>)))]
async fn list_orders(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<OrderView>>, ApiError> {
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let orders =
        store::list_for_user(&state.db, &user.sub, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        orders,
        |o| (o.created_at, o.id.as_str()),
        |o| OrderView::from(o),
    )))
}

async fn owned_order(state: &OrderState, user_id: &str, id: &str) -> Result<Order, ApiError> {
    match store::find(&state.db, id).await? {
        Some(order) if order.user_id == user_id => Ok(order),
        _ => Err(OrderError::NotFound(id.to_string()).into()),
    }
}

#[utoipa::path(get, path = "/api/orders/{id}", tag = "orders", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses((status = 200, description = "The order", body = OrderView), (status = 404, description = "No such order of the caller's", body = Problem, content_type = "application/problem+json")))]
async fn show_order(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(OrderView::from(
        &owned_order(&state, &user.sub, &id).await?,
    )))
}

#[tracing::instrument(skip_all, fields(user_id = %user.sub, order_id = %id))]
#[utoipa::path(post, path = "/api/orders/{id}/cancel", tag = "orders", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses((status = 200, description = "Cancelled (refunded, stock returned)", body = OrderView), (status = 404, description = "No such order of the caller's", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not cancellable", body = Problem, content_type = "application/problem+json")))]
async fn cancel_order(
    State(state): State<OrderState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = owned_order(&state, &user.sub, &id).await?;
    state.saga.cancel(&order).await?;
    Ok(Json(OrderView::from(
        &owned_order(&state, &user.sub, &id).await?,
    )))
}

/// order's public API, served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare order", description = "Carts, checkout and orders."),
    paths(show_cart, put_item, delete_item, clear_cart, checkout, list_orders, show_order, cancel_order),
    modifiers(&BearerAuth, &CommonResponses),
    tags((name = "cart", description = "The caller's cart"), (name = "orders", description = "Checkout and orders"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests;
