//! payment's HTTP API: the owner's view of a payment, plus (in `internal`) charges and
//! refunds with Stripe-like idempotency for the other services.

pub mod admin;
pub mod internal;

use std::sync::Arc;

use axum::extract::{FromRef, Path, State};
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;
use wayfare_chassis::db::{rfc3339, Db};
use wayfare_chassis::error::Problem;
use wayfare_chassis::identity::{AuthUser, InternalGuard, TokenVerifier};
use wayfare_chassis::openapi::{BearerAuth, CommonResponses};
use wayfare_chassis::{ApiError, Json};

use crate::config::PaymentConfig;
use crate::domain::PaymentProvider;
use crate::store::{self, Payment};

/// The handlers' state; extractors take the parts they need (`FromRef` derived).
#[derive(Clone, FromRef)]
pub struct PaymentState {
    pub db: Db,
    pub provider: Arc<dyn PaymentProvider>,
    pub verifier: TokenVerifier,
    pub internal: InternalGuard,
    pub config: Arc<PaymentConfig>,
}

pub fn router(state: PaymentState) -> Router {
    Router::new()
        .route("/api/payments/{id}", get(show))
        .with_state(state.clone())
        .merge(internal::router(state.clone()))
        .merge(admin::router(state))
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

/// The wire type lives in payment's contract crate.
pub use wayfare_payment_api::PaymentView;

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id.clone(),
            order_id: p.order_id.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            payment_method: p.method.clone(),
            status: p.status,
            failure_code: p.failure_code.clone(),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
        }
    }
}

/// The owner's payment; anyone else gets the same 404 as for a missing one.
#[utoipa::path(get, path = "/api/payments/{id}", tag = "payment", security(("bearer" = [])), params(("id" = String, Path, description = "Payment id")), responses((status = 200, description = "The caller's payment", body = PaymentView), (status = 404, description = "No such payment of the caller's", body = Problem, content_type = "application/problem+json")))]
async fn show(
    State(state): State<PaymentState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    match store::find_by_id(&state.db, &id).await? {
        Some(payment) if payment.user_id == user.sub => Ok(Json(PaymentView::from(&payment))),
        _ => Err(ApiError::NotFound(format!("no payment {id}"))),
    }
}

/// payment's public API, served at `/openapi.json` (charges and refunds are internal).
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare payment", description = "Payments as their owners see them."),
    paths(show),
    modifiers(&BearerAuth, &CommonResponses),
    tags((name = "payment", description = "Payments"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests;
