//! payment's background jobs (run by the supervisor as workers, see `lib.rs`).

use std::sync::Arc;
use std::time::Duration;

use wayfare_chassis::db::Db;

use super::{PaymentProvider, PaymentStatus, ProviderOutcome};
use crate::store;

/// Settles payments whose request died between the provider call and recording its answer
/// (or whose provider did not answer): asks the provider what became of each key that has
/// been `processing` for longer than twice the provider deadline. How many it settled.
pub async fn settle_stale_payments(
    db: &Db,
    provider: &Arc<dyn PaymentProvider>,
    provider_timeout: Duration,
) -> anyhow::Result<usize> {
    let cutoff = wayfare_chassis::db::now_ms() - provider_timeout.as_millis() as i64 * 2;
    let stale = store::stale_processing(db, cutoff)
        .await
        .map_err(|e| anyhow::anyhow!("finding stale payments: {e}"))?;
    let mut settled = 0;
    for payment in stale {
        let (status, code, reference) = match provider.lookup(&payment.idempotency_key).await {
            Ok(Some(ProviderOutcome::Approved { reference })) => {
                (PaymentStatus::Succeeded, None, Some(reference))
            }
            Ok(Some(ProviderOutcome::Declined { code })) => {
                (PaymentStatus::Declined, Some(code), None)
            }
            Ok(None) => (PaymentStatus::Failed, Some("provider_timeout"), None),
            Err(err) => {
                tracing::warn!(payment_id = %payment.id, error = %err, "provider lookup failed");
                continue;
            }
        };
        match store::finish(db, &payment.id, status, code, reference.as_deref()).await {
            Ok(_) => {
                settled += 1;
                tracing::info!(payment_id = %payment.id, status = status.as_str(), "stale payment settled");
            }
            Err(err) => {
                tracing::warn!(payment_id = %payment.id, error = %err, "settling a stale payment failed")
            }
        }
    }
    Ok(settled)
}
