//! payment's contract: the wire types other services exchange with payment (charge and refund
//! requests, payments as callers see them, their statuses), the simulated provider's test
//! payment methods (part of its public contract, like a real PSP's test cards) and the typed
//! client, split into the [`Payments`] trait callers hold and the HTTP implementation
//! [`PaymentClient`]. Depends on nothing of the payment service; payment re-exports these
//! types, so its routes serialize exactly what this crate describes.

pub mod client;

use serde::{Deserialize, Serialize};

pub use client::{ChargeResult, PaymentClient, Payments};

/// Where a payment is. `Processing` is the only state that changes by itself (to a final one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Processing,
    Succeeded,
    Declined,
    Failed,
    Refunded,
    /// Fenced off by the order reconciler before any charge was attempted: this key can
    /// never charge.
    Voided,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Declined => "declined",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
            Self::Voided => "voided",
        }
    }
}

/// A payment as callers see it (the request hash and provider reference stay inside).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub order_id: String,
    pub amount: i64,
    pub currency: String,
    pub payment_method: String,
    pub status: PaymentStatus,
    pub failure_code: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The body of `POST /internal/charges` (the `Idempotency-Key` header names the charge).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    pub user_id: String,
    pub order_id: String,
    pub amount: i64,
    pub currency: String,
    pub payment_method: String,
}

/// The body of `POST /internal/refunds`: a refund of a succeeded payment, in full unless
/// `amount` says how much (a payment is refunded at most once either way).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    pub payment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct RefundView {
    pub id: String,
    pub payment_id: String,
    pub amount: i64,
}

/// The simulated provider's test payment methods (like a real PSP's test cards):
///
/// | method | outcome |
/// |---|---|
/// | `pm_card_ok` (also `pm_card_visa`) | approved |
/// | `pm_card_declined` | declined: `card_declined` |
/// | `pm_card_insufficient_funds` | declined: `insufficient_funds` |
/// | `pm_card_provider_error` | the provider fails (HTTP 5xx at a real PSP) |
/// | `pm_card_timeout` | the provider never answers (the charge times out) |
pub const TEST_METHODS: &[&str] = &[
    "pm_card_ok",
    "pm_card_visa",
    "pm_card_declined",
    "pm_card_insufficient_funds",
    "pm_card_provider_error",
    "pm_card_timeout",
];

pub fn is_known_method(method: &str) -> bool {
    TEST_METHODS.contains(&method)
}
