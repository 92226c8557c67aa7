//! payment's domain: payment states, the provider abstraction, and the built-in simulated
//! provider with its documented test payment methods.

pub mod jobs;
pub mod simulated;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

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

    pub fn parse(value: &str) -> Self {
        match value {
            "processing" => Self::Processing,
            // A refund of it is under way: the money is still taken until it completes.
            "succeeded" | "refunding" => Self::Succeeded,
            "declined" => Self::Declined,
            "refunded" => Self::Refunded,
            "voided" => Self::Voided,
            _ => Self::Failed,
        }
    }
}

/// A charge as the provider sees it.
#[derive(Debug, Clone)]
pub struct ProviderCharge {
    pub idempotency_key: String,
    pub amount: i64,
    pub currency: String,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProviderOutcome {
    Approved {
        reference: String,
    },
    /// The card was refused; `code` is `card_declined` or `insufficient_funds`.
    Declined {
        code: &'static str,
    },
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("payment provider error: {0}")]
pub struct ProviderError(pub String);

/// A payment service provider. The simulated one ships with Wayfare; a real adapter (Stripe,
/// Adyen) implements the same three calls.
pub trait PaymentProvider: Send + Sync + 'static {
    fn charge(
        &self,
        charge: ProviderCharge,
    ) -> BoxFuture<'_, Result<ProviderOutcome, ProviderError>>;
    fn refund(&self, reference: &str, amount: i64) -> BoxFuture<'_, Result<String, ProviderError>>;
    /// What the provider knows about a charge key, for settling charges whose answer was lost.
    fn lookup(
        &self,
        idempotency_key: &str,
    ) -> BoxFuture<'_, Result<Option<ProviderOutcome>, ProviderError>>;
}
