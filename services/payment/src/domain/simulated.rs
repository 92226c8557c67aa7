//! The built-in simulated provider. Test payment methods (like a real PSP's test cards):
//!
//! | method | outcome |
//! |---|---|
//! | `pm_card_ok` (also `pm_card_visa`) | approved |
//! | `pm_card_declined` | declined: `card_declined` |
//! | `pm_card_insufficient_funds` | declined: `insufficient_funds` |
//! | `pm_card_provider_error` | the provider fails (HTTP 5xx at a real PSP) |
//! | `pm_card_timeout` | the provider never answers (the charge times out) |

use std::collections::HashMap;
use std::sync::Mutex;

use futures::future::BoxFuture;

use super::{PaymentProvider, ProviderCharge, ProviderError, ProviderOutcome};

/// Part of payment's public contract, so they live in its contract crate.
pub use wayfare_payment_api::{is_known_method, TEST_METHODS};

/// Keeps what it approved in memory, like a provider's own ledger, so `lookup` can answer.
#[derive(Default)]
pub struct SimulatedProvider {
    ledger: Mutex<HashMap<String, ProviderOutcome>>,
}

impl PaymentProvider for SimulatedProvider {
    fn charge(
        &self,
        charge: ProviderCharge,
    ) -> BoxFuture<'_, Result<ProviderOutcome, ProviderError>> {
        Box::pin(async move {
            // Like a real provider: the same key gets the same answer.
            if let Some(done) = self
                .ledger
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&charge.idempotency_key)
            {
                return Ok(done.clone());
            }
            let outcome = match charge.method.as_str() {
                "pm_card_ok" | "pm_card_visa" => ProviderOutcome::Approved {
                    reference: format!("sim_ch_{}", uuid::Uuid::new_v4().simple()),
                },
                "pm_card_declined" => ProviderOutcome::Declined {
                    code: "card_declined",
                },
                "pm_card_insufficient_funds" => ProviderOutcome::Declined {
                    code: "insufficient_funds",
                },
                "pm_card_provider_error" => {
                    return Err(ProviderError("simulated provider outage".into()))
                }
                "pm_card_timeout" => {
                    std::future::pending::<()>().await;
                    unreachable!("pending never resolves")
                }
                other => return Err(ProviderError(format!("unknown payment method {other}"))),
            };
            self.ledger
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(charge.idempotency_key, outcome.clone());
            Ok(outcome)
        })
    }

    fn refund(
        &self,
        reference: &str,
        _amount: i64,
    ) -> BoxFuture<'_, Result<String, ProviderError>> {
        let reference = reference.to_string();
        Box::pin(async move {
            Ok(format!(
                "sim_re_{}",
                &reference[reference.len().saturating_sub(12)..]
            ))
        })
    }

    fn lookup(
        &self,
        idempotency_key: &str,
    ) -> BoxFuture<'_, Result<Option<ProviderOutcome>, ProviderError>> {
        let found = self
            .ledger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(idempotency_key)
            .cloned();
        Box::pin(async move { Ok(found) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(method: &str) -> ProviderCharge {
        ProviderCharge {
            idempotency_key: format!("k-{method}"),
            amount: 100,
            currency: "USD".into(),
            method: method.into(),
        }
    }

    #[tokio::test]
    async fn test_methods_behave_as_documented() {
        let p = SimulatedProvider::default();
        assert!(matches!(
            p.charge(charge("pm_card_ok")).await,
            Ok(ProviderOutcome::Approved { .. })
        ));
        assert_eq!(
            p.charge(charge("pm_card_declined")).await.unwrap(),
            ProviderOutcome::Declined {
                code: "card_declined"
            }
        );
        assert_eq!(
            p.charge(charge("pm_card_insufficient_funds"))
                .await
                .unwrap(),
            ProviderOutcome::Declined {
                code: "insufficient_funds"
            }
        );
        assert!(p.charge(charge("pm_card_provider_error")).await.is_err());
        let hang = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            p.charge(charge("pm_card_timeout")),
        )
        .await;
        assert!(hang.is_err(), "never answers");
        assert!(p.lookup("k-pm_card_ok").await.unwrap().is_some());
        assert!(p.lookup("k-pm_card_timeout").await.unwrap().is_none());
    }
}
