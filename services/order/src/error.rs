//! order's errors and the status each maps to. Failed checkouts answer with a problem whose
//! `code` is the failure reason (`domain::reason`): 409 for stock, 402 for payment.

use wayfare_chassis::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// 404: no such order of the caller's (another user's order looks the same).
    #[error("no order {0}")]
    NotFound(String),
    /// 409: the order's status does not allow it.
    #[error("a {0} order cannot be cancelled")]
    NotCancellable(&'static str),
    /// 409: the Idempotency-Key was used for another request.
    #[error("this Idempotency-Key was used for a different order")]
    KeyReused,
    /// 500: a row the order's own flow wrote is gone.
    #[error("order {0} vanished")]
    Vanished(String),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sqlx::Error> for OrderError {
    fn from(err: sqlx::Error) -> Self {
        OrderError::Api(err.into())
    }
}

impl From<OrderError> for ApiError {
    fn from(err: OrderError) -> Self {
        match err {
            OrderError::NotFound(_) => ApiError::NotFound(err.to_string()),
            OrderError::NotCancellable(_) => ApiError::conflict("not_cancellable", err.to_string()),
            OrderError::KeyReused => ApiError::conflict("idempotency_key_reused", err.to_string()),
            OrderError::Vanished(_) => ApiError::Internal(anyhow::anyhow!(err.to_string())),
            OrderError::Api(api) => api,
        }
    }
}

impl axum::response::IntoResponse for OrderError {
    fn into_response(self) -> axum::response::Response {
        ApiError::from(self).into_response()
    }
}
