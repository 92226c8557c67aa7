//! `/internal/admin/summary`: the payment figures of the back office's dashboard. Only the
//! admin service may call it (order and booking may call payment's other internal routes).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{ApiError, Json};

use super::PaymentState;
use crate::store;

pub fn router(state: PaymentState) -> Router {
    Router::new()
        .route("/internal/admin/summary", get(summary))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
pub struct SummaryParams {
    from_ms: i64,
    to_ms: i64,
}

/// Charges made in the range and how they ended.
#[derive(Debug, Serialize, PartialEq)]
pub struct PaymentSummary {
    pub charges: i64,
    pub succeeded: i64,
    pub declined: i64,
    pub failed: i64,
    /// Declined ÷ (succeeded + declined), 0 when there were none; 4 decimals.
    pub decline_rate: f64,
}

impl PaymentSummary {
    pub fn from_counts(counts: &[(String, i64)]) -> Self {
        let count = |status: &str| {
            counts
                .iter()
                .filter(|(s, _)| s == status)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        // An approved charge stays approved when it is refunded (or being refunded) later.
        let succeeded = count("succeeded") + count("refunding") + count("refunded");
        let declined = count("declined");
        let answered = succeeded + declined;
        let rate = if answered == 0 {
            0.0
        } else {
            (declined as f64 / answered as f64 * 10_000.0).round() / 10_000.0
        };
        Self {
            charges: counts.iter().map(|(_, n)| n).sum(),
            succeeded,
            declined,
            failed: count("failed"),
            decline_rate: rate,
        }
    }
}

async fn summary(
    State(state): State<PaymentState>,
    caller: ServiceCaller,
    Query(params): Query<SummaryParams>,
) -> Result<Json<PaymentSummary>, ApiError> {
    only_admin(&caller)?;
    if params.to_ms <= params.from_ms {
        return Err(ApiError::validation("to_ms", "must be after from_ms"));
    }
    let counts = store::charges_by_status(&state.db, params.from_ms, params.to_ms).await?;
    Ok(Json(PaymentSummary::from_counts(&counts)))
}

/// `/internal/admin/**` is the back office's alone.
fn only_admin(caller: &ServiceCaller) -> Result<(), ApiError> {
    if caller.0 != "admin" {
        return Err(ApiError::Forbidden(format!(
            "{} may not call payment's admin API",
            caller.0
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decline_rate_counts_answered_charges_only() {
        let counts = vec![
            ("succeeded".to_string(), 2),
            ("declined".to_string(), 1),
            ("refunded".to_string(), 1),
            ("processing".to_string(), 2),
        ];
        let summary = PaymentSummary::from_counts(&counts);
        assert_eq!(summary.charges, 6);
        assert_eq!(summary.succeeded, 3, "a refunded charge was approved");
        assert_eq!(summary.decline_rate, 0.25);
        assert_eq!(PaymentSummary::from_counts(&[]).decline_rate, 0.0);
    }
}
