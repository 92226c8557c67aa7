//! payment's errors and the status each maps to.

use wayfare_chassis::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// 404: no such payment (of the caller's) or charge key.
    #[error("{0}")]
    NotFound(String),
    /// 409: the Idempotency-Key was used with other parameters.
    #[error("this Idempotency-Key was used with other parameters")]
    KeyReused,
    /// 409: the key was voided before any charge was made.
    #[error("this charge was cancelled before it was made")]
    ChargeVoided,
    /// 409: the first request with this key is still running.
    #[error("a request with this Idempotency-Key is still being processed")]
    ChargeInProgress,
    /// 409: only succeeded payments can be refunded.
    #[error("only succeeded payments can be refunded")]
    NotRefundable,
    /// 409: refunded already.
    #[error("this payment was refunded already")]
    AlreadyRefunded,
    /// 409: another refund of this payment is still running.
    #[error("a refund of this payment is still being processed")]
    RefundInProgress,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sqlx::Error> for PaymentError {
    fn from(err: sqlx::Error) -> Self {
        PaymentError::Api(err.into())
    }
}

impl From<PaymentError> for ApiError {
    fn from(err: PaymentError) -> Self {
        let conflict = |code| ApiError::conflict(code, err.to_string());
        match &err {
            PaymentError::NotFound(_) => ApiError::NotFound(err.to_string()),
            PaymentError::KeyReused => conflict("idempotency_key_reused"),
            PaymentError::ChargeVoided => conflict("charge_voided"),
            PaymentError::ChargeInProgress => conflict("charge_in_progress"),
            PaymentError::NotRefundable => conflict("not_refundable"),
            PaymentError::AlreadyRefunded => conflict("already_refunded"),
            PaymentError::RefundInProgress => conflict("refund_in_progress"),
            PaymentError::Api(_) => match err {
                PaymentError::Api(api) => api,
                _ => unreachable!("matched above"),
            },
        }
    }
}

impl axum::response::IntoResponse for PaymentError {
    fn into_response(self) -> axum::response::Response {
        ApiError::from(self).into_response()
    }
}
