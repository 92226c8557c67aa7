//! order's domain: orders and their lines, the cart, checked inputs, and (in `saga`) the
//! checkout, reconciliation and cancellation flows.

pub mod cart;
pub mod saga;

use serde::{Deserialize, Serialize};
use wayfare_chassis::db::rfc3339;
use wayfare_chassis::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created; the saga (or the reconciler) has not settled it yet.
    Pending,
    Confirmed,
    Failed,
    /// A cancellation is refunding and returning stock.
    Cancelling,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::Cancelling => "cancelling",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "pending" => Self::Pending,
            "confirmed" => Self::Confirmed,
            "cancelling" => Self::Cancelling,
            "cancelled" => Self::Cancelled,
            _ => Self::Failed,
        }
    }
}

/// Why an order failed; stable codes clients can switch on.
pub mod reason {
    pub const OUT_OF_STOCK: &str = "out_of_stock";
    pub const PRODUCT_UNAVAILABLE: &str = "product_unavailable";
    pub const PAYMENT_DECLINED: &str = "payment_declined";
    pub const INSUFFICIENT_FUNDS: &str = "insufficient_funds";
    pub const PAYMENT_FAILED: &str = "payment_failed";
    pub const PAYMENT_TIMEOUT: &str = "payment_timeout";
    pub const RESERVATION_EXPIRED: &str = "reservation_expired";
    /// The checkout stopped part-way (a crash) and the reconciler wound it back.
    pub const CHECKOUT_INTERRUPTED: &str = "checkout_interrupted";
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrderLine {
    pub product_id: String,
    /// Snapshot at checkout: later catalog edits do not change past orders.
    pub name: String,
    pub unit_price: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub status: OrderStatus,
    pub failure_reason: Option<String>,
    pub total: i64,
    pub currency: String,
    pub payment_method: String,
    pub payment_id: Option<String>,
    pub from_cart: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OrderLineView {
    pub product_id: String,
    pub name: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub line_total: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OrderView {
    pub id: String,
    pub status: OrderStatus,
    pub failure_reason: Option<String>,
    pub total: i64,
    pub currency: String,
    pub payment_method: String,
    pub payment_id: Option<String>,
    pub lines: Vec<OrderLineView>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        Self {
            id: o.id.clone(),
            status: o.status,
            failure_reason: o.failure_reason.clone(),
            total: o.total,
            currency: o.currency.clone(),
            payment_method: o.payment_method.clone(),
            payment_id: o.payment_id.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineView {
                    product_id: l.product_id.clone(),
                    name: l.name.clone(),
                    unit_price: l.unit_price,
                    quantity: l.quantity,
                    line_total: l.unit_price * l.quantity,
                })
                .collect(),
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
        }
    }
}

pub const MAX_QUANTITY: i64 = 99;

/// Most distinct products in one order (a cart holds as many), and most entries a checkout
/// request may list before merging: a bound on the work one request can cause.
pub const MAX_ORDER_LINES: usize = 50;
pub const MAX_REQUEST_ITEMS: usize = 200;

/// A product id as catalog issues them (UUIDs; demo and admin-made ids use the same
/// alphabet). Checked before any call, so a customer's `../` or 70,000-character id is a 422
/// here and never becomes a URL.
pub fn parse_product_id(raw: &str) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(ApiError::validation(
            "product_id",
            "must be 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    Ok(raw.to_string())
}

pub fn parse_quantity(quantity: i64) -> Result<i64, ApiError> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(ApiError::validation(
            "quantity",
            format!("must be between 1 and {MAX_QUANTITY}"),
        ));
    }
    Ok(quantity)
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

/// What makes two checkouts "the same request": the request body as sent (its canonical
/// JSON), as Stripe does. Nothing that can change between a request and its retry (the cart,
/// prices, stock) is part of it.
pub fn request_hash<T: Serialize>(body: &T) -> String {
    let canonical = serde_json::to_value(body)
        .and_then(|v| serde_json::to_string(&v))
        .expect("a request serialises");
    wayfare_chassis::idempotency::sha256_hex(canonical.as_bytes())
}
