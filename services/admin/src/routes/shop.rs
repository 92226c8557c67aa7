//! The shop's back office: products (all of them, inactive included), stock, categories, and
//! every customer's orders with their refunds.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use wayfare_chassis::client::path;
use wayfare_chassis::error::Problem;
use wayfare_chassis::{ApiError, Json};

use super::{audited, forward_query, read, write_request, AdminState, Change, Staff};

pub fn router() -> Router<AdminState> {
    Router::new()
        .route(
            "/api/admin/products",
            get(list_products).post(create_product),
        )
        .route(
            "/api/admin/products/{id}",
            get(show_product).patch(update_product),
        )
        .route("/api/admin/products/{id}/stock", put(set_stock))
        .route(
            "/api/admin/categories",
            get(list_categories).post(create_category),
        )
        .route(
            "/api/admin/categories/{id}",
            axum::routing::patch(rename_category),
        )
        .route("/api/admin/orders", get(list_orders))
        .route("/api/admin/orders/{id}", get(show_order))
        .route("/api/admin/orders/{id}/refund", post(refund_order))
}

/// Product list filters.
// Parsed to check the query's types and to document it; the raw query is what is forwarded.
#[allow(dead_code)]
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductParams {
    /// Part of the name or SKU.
    #[param(max_length = 100)]
    q: Option<String>,
    /// Category id.
    category: Option<String>,
    /// Only active (true) or inactive (false) products.
    active: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[utoipa::path(get, operation_id = "admin_list_products", path = "/api/admin/products", tag = "admin", security(("bearer" = [])), params(ProductParams), responses((status = 200, description = "Every product, inactive ones included", body = Object)))]
pub async fn list_products(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(_params): Query<ProductParams>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = forward_query(query.as_deref())?;
    Ok(read(
        &state,
        "catalog",
        format!("/internal/admin/products{query}"),
    )
    .await)
}

#[utoipa::path(post, operation_id = "admin_create_product", path = "/api/admin/products", tag = "admin", security(("bearer" = [])), request_body = Object, responses((status = 201, description = "Created (with its version in ETag)", body = Object)))]
pub async fn create_product(
    State(state): State<AdminState>,
    staff: Staff,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let change = Change {
        service: "catalog",
        action: "product.create",
        target_type: "product",
        target_id: None,
        before: None,
    };
    let request = write_request(
        Method::POST,
        "/internal/admin/products".into(),
        &body,
        &headers,
    );
    audited(&state, &staff, change, request).await
}

#[utoipa::path(get, operation_id = "admin_show_product", path = "/api/admin/products/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Product id")), responses((status = 200, description = "The product; its version is the ETag", body = Object)))]
pub async fn show_product(
    State(state): State<AdminState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Response {
    read(
        &state,
        "catalog",
        path(&["internal", "admin", "products", &id]),
    )
    .await
}

#[utoipa::path(patch, operation_id = "admin_update_product", path = "/api/admin/products/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Product id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on")), request_body = Object, responses((status = 200, description = "Changed (deactivate with `active: false`)", body = Object)))]
pub async fn update_product(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let at = path(&["internal", "admin", "products", &id]);
    let change = Change {
        service: "catalog",
        action: "product.update",
        target_type: "product",
        target_id: Some(id),
        before: Some(at.clone()),
    };
    audited(
        &state,
        &staff,
        change,
        write_request(Method::PATCH, at, &body, &headers),
    )
    .await
}

#[utoipa::path(put, operation_id = "admin_set_stock", path = "/api/admin/products/{id}/stock", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Product id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on")), request_body = Object, responses((status = 200, description = "Stock set: `{\"stock\": n}`", body = Object)))]
pub async fn set_stock(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let change = Change {
        service: "catalog",
        action: "product.stock",
        target_type: "product",
        target_id: Some(id.clone()),
        before: Some(path(&["internal", "admin", "products", &id])),
    };
    let at = path(&["internal", "admin", "products", &id, "stock"]);
    audited(
        &state,
        &staff,
        change,
        write_request(Method::PUT, at, &body, &headers),
    )
    .await
}

#[utoipa::path(get, operation_id = "admin_list_categories", path = "/api/admin/categories", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "Every category", body = Object)))]
pub async fn list_categories(State(state): State<AdminState>, _staff: Staff) -> Response {
    read(&state, "catalog", "/internal/admin/categories".into()).await
}

#[utoipa::path(post, operation_id = "admin_create_category", path = "/api/admin/categories", tag = "admin", security(("bearer" = [])), request_body = Object, responses((status = 201, description = "Created: `{\"id\"?, \"name\"}`", body = Object)))]
pub async fn create_category(
    State(state): State<AdminState>,
    staff: Staff,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let change = Change {
        service: "catalog",
        action: "category.create",
        target_type: "category",
        target_id: None,
        before: None,
    };
    let request = write_request(
        Method::POST,
        "/internal/admin/categories".into(),
        &body,
        &headers,
    );
    audited(&state, &staff, change, request).await
}

#[utoipa::path(patch, operation_id = "admin_rename_category", path = "/api/admin/categories/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on")), request_body = Object, responses((status = 200, description = "Renamed: `{\"name\"}`", body = Object)))]
pub async fn rename_category(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let at = path(&["internal", "admin", "categories", &id]);
    // Categories are read as a list; the renamed one's earlier state is taken from it.
    let before = match state
        .services
        .get_json("catalog", "/internal/admin/categories".into())
        .await
    {
        Ok(list) => find_by_id(&list, &id),
        Err(answer) => return Ok(super::passed_through(answer)),
    };
    let answer = state
        .services
        .call("catalog", write_request(Method::PATCH, at, &body, &headers))
        .await?;
    if !answer.status.is_success() {
        return Ok(super::passed_through(answer));
    }
    let change = Change {
        service: "catalog",
        action: "category.rename",
        target_type: "category",
        target_id: Some(id.clone()),
        before: None,
    };
    super::record(&state, &staff, &change, id, before, answer.json()).await?;
    Ok(super::passed_through(answer))
}

/// The item with `id` in a list answer (`{"items": [...]}` or a bare array).
pub fn find_by_id(list: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    let items = list.get("items").unwrap_or(list).as_array()?;
    items
        .iter()
        .find(|item| item.get("id").and_then(|v| v.as_str()) == Some(id))
        .cloned()
}

/// Order search filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderParams {
    /// pending, confirmed, failed, cancelling or cancelled.
    status: Option<String>,
    /// The customer: a user id or an e-mail.
    #[param(max_length = 254)]
    customer: Option<String>,
    /// Created at or after: RFC 3339, a date, or Unix ms.
    from: Option<String>,
    /// Created before (a date includes that day).
    to: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[utoipa::path(get, operation_id = "admin_list_orders", path = "/api/admin/orders", tag = "admin", security(("bearer" = [])), params(OrderParams), responses((status = 200, description = "Every customer's orders, newest first", body = Object)))]
pub async fn list_orders(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(params): Query<OrderParams>,
) -> Result<Response, ApiError> {
    let range =
        crate::domain::TimeRange::parse_optional(params.from.as_deref(), params.to.as_deref())?;
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(status) = params.status {
        query.push(("status", status));
    }
    if let Some(customer) = params
        .customer
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
    {
        match super::people::user_id_for(&state, &customer).await? {
            Some(user_id) => query.push(("user_id", user_id)),
            // Nobody has that e-mail: nobody's orders.
            None => return Ok(empty_page()),
        }
    }
    if let Some(from) = range.from_ms {
        query.push(("from_ms", from.to_string()));
    }
    if let Some(to) = range.to_ms {
        query.push(("to_ms", to.to_string()));
    }
    if let Some(limit) = params.limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(cursor) = params.cursor {
        query.push(("cursor", cursor));
    }
    let encoded = serde_urlencoded::to_string(&query)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("encoding a query: {e}")))?;
    Ok(read(&state, "order", format!("/internal/admin/orders?{encoded}")).await)
}

fn empty_page() -> Response {
    use axum::response::IntoResponse;
    axum::Json(serde_json::json!({"items": [], "next_cursor": null})).into_response()
}

#[utoipa::path(get, operation_id = "admin_show_order", path = "/api/admin/orders/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses((status = 200, description = "The order, with its customer's id", body = Object)))]
pub async fn show_order(
    State(state): State<AdminState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Response {
    read(&state, "order", path(&["internal", "admin", "orders", &id])).await
}

#[utoipa::path(post, operation_id = "admin_refund_order", path = "/api/admin/orders/{id}/refund", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses((status = 200, description = "Refunded in full and its stock returned (once; again is 409 `already_refunded`)", body = Object), (status = 409, description = "Refunded already, or never paid", body = Problem, content_type = "application/problem+json")))]
pub async fn refund_order(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let at = path(&["internal", "admin", "orders", &id]);
    let change = Change {
        service: "order",
        action: "order.refund",
        target_type: "order",
        target_id: Some(id.clone()),
        before: Some(at.clone()),
    };
    let request = write_request(
        Method::POST,
        format!("{at}/refund"),
        &serde_json::json!({}),
        &HeaderMap::new(),
    );
    audited(&state, &staff, change, request).await
}
