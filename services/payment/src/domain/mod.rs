//! payment's domain: payment states, the provider abstraction, and the built-in simulated
//! provider with its documented test payment methods.

pub mod http_provider;
pub mod jobs;
pub mod simulated;

use futures::future::BoxFuture;

/// The wire type lives in payment's contract crate, so callers need nothing of payment.
pub use wayfare_payment_api::PaymentStatus;

/// Reads a stored status. The table knows one state callers never see: `refunding` (a refund
/// is under way, the money is still taken until it completes) reads as `Succeeded`.
pub fn parse_status(value: &str) -> PaymentStatus {
    match value {
        "processing" => PaymentStatus::Processing,
        "succeeded" | "refunding" => PaymentStatus::Succeeded,
        "declined" => PaymentStatus::Declined,
        "refunded" => PaymentStatus::Refunded,
        "voided" => PaymentStatus::Voided,
        _ => PaymentStatus::Failed,
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
