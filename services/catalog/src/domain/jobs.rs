//! catalog's background jobs (run by the supervisor as workers, see `lib.rs`).

use wayfare_chassis::cache::Cache;
use wayfare_chassis::db::Db;

use crate::store::reservations::{self, ReleaseScope};

/// Returns holds past their expiry to stock (at most 200 orders a run) and drops the cached
/// copies of the products that changed; how many orders it released.
pub async fn return_expired_holds(db: &Db, cache: &Cache) -> anyhow::Result<usize> {
    let orders = reservations::expired_orders(db, 200)
        .await
        .map_err(|e| anyhow::anyhow!("finding expired holds: {e}"))?;
    let mut released = 0;
    for order_id in orders {
        match reservations::release(db, &order_id, ReleaseScope::ExpiredHolds).await {
            Ok(changed) if !changed.is_empty() => {
                released += 1;
                metrics::counter!("catalog_reservations_expired_total").increment(1);
                tracing::info!(
                    order_id,
                    products = changed.len(),
                    "expired hold returned to stock"
                );
                for id in &changed {
                    super::forget_cached_product(cache, id).await;
                }
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(order_id, error = %err, "releasing an expired hold failed"),
        }
    }
    Ok(released)
}
