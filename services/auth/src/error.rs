//! auth's errors and the status each maps to.

use wayfare_chassis::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// 409: an account with this e-mail exists.
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    /// 401: unknown e-mail or wrong password; deliberately the same answer for both.
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// 401: unknown, expired, revoked or reused refresh token.
    #[error("invalid refresh token")]
    BadRefreshToken,
    /// 403: the account was disabled by an admin.
    #[error("this account is disabled")]
    Disabled,
    /// 403 `csrf_failed`: a cookie-session call without the `X-CSRF-Token` header that matches
    /// the session's `wayfare_csrf` cookie (another site cannot read the cookie to copy it).
    #[error("missing or wrong X-CSRF-Token header")]
    CsrfFailed,
    /// 422: a field failed validation.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sqlx::Error> for AuthError {
    fn from(err: sqlx::Error) -> Self {
        AuthError::Api(err.into())
    }
}

impl From<anyhow::Error> for AuthError {
    fn from(err: anyhow::Error) -> Self {
        AuthError::Api(ApiError::Internal(err))
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::EmailTaken => ApiError::conflict("email_taken", err.to_string()),
            AuthError::BadCredentials | AuthError::BadRefreshToken => {
                ApiError::Unauthorized(err.to_string())
            }
            AuthError::Disabled => ApiError::Forbidden(err.to_string()),
            AuthError::CsrfFailed => ApiError::Forbidden(err.to_string()),
            AuthError::Invalid { field, reason } => ApiError::validation(field, reason),
            AuthError::Api(api) => api,
        }
    }
}

impl axum::response::IntoResponse for AuthError {
    fn into_response(self) -> axum::response::Response {
        if let AuthError::CsrfFailed = self {
            // Its own code, so the web app can tell it from a plain 403.
            let status = axum::http::StatusCode::FORBIDDEN;
            return wayfare_chassis::error::Problem::new(status, "csrf_failed", self.to_string())
                .into_response_with(status);
        }
        ApiError::from(self).into_response()
    }
}
