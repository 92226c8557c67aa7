//! One error envelope for every service: `application/problem+json` (RFC 9457) with a stable
//! machine-readable `code`. Details of 5xx errors are logged with the request id, never sent.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error a handler returns; converts into a problem+json response.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, bad query, bad cursor).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials. The detail never says which part was wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource (also used for resources the caller may not see).
    #[error("{0}")]
    NotFound(String),
    /// 409: conflicts with the current state (duplicate, key reuse, sold out).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// 412: the `If-Match` version is not the resource's current one (someone else changed it
    /// since the client read it); nothing was changed.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 415: the body is not of a type the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 413: body larger than the configured limit.
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 422: a field is invalid; `field` names it.
    #[error("{field}: {detail}")]
    Validation { field: String, detail: String },
    /// 429: rate limited; the client may retry after the given number of seconds.
    #[error("too many requests")]
    RateLimited { retry_after_seconds: u64 },
    /// 502: an upstream answered with garbage or refused the connection.
    #[error("{0}")]
    BadGateway(String),
    /// 503: a dependency is down or the request ran out of time.
    #[error("{0}")]
    Unavailable(String),
    /// 503 with `Retry-After`: this service is at capacity (a bounded queue is full).
    #[error("{detail}")]
    Overloaded {
        detail: String,
        retry_after_seconds: u64,
    },
    /// 504: an upstream did not answer in time.
    #[error("{0}")]
    GatewayTimeout(String),
    /// 500: a bug or an unexpected failure; logged, not sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            detail: detail.into(),
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Unavailable(_) | Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code,
            Self::PreconditionFailed(_) => "version_mismatch",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation { .. } => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::BadGateway(_) => "bad_gateway",
            Self::Unavailable(_) => "service_unavailable",
            Self::Overloaded { .. } => "overloaded",
            Self::GatewayTimeout(_) => "gateway_timeout",
            Self::Internal(_) => "internal_error",
        }
    }
}

/// The wire shape of a problem (`application/problem+json`).
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    /// A problem for `status` with a stable `code`, tagged with the current request id.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            type_: format!("https://wayfare.dev/problems/{}", code.replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            field: None,
            request_id: crate::request::current_request_id(),
        }
    }

    pub fn into_response_with(self, status: StatusCode) -> Response {
        let mut response = (status, axum::Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            Self::Internal(err) => {
                // The request's span carries its request id into this log line.
                tracing::error!(error = ?err, "internal error");
                "an unexpected error occurred; quote the request id when reporting it".to_string()
            }
            other => {
                if status.is_server_error() {
                    tracing::warn!(error = %other, code = other.code(), "request failed");
                }
                other.to_string()
            }
        };
        let field = match &self {
            Self::Validation { field, .. } => Some(field.clone()),
            _ => None,
        };
        let mut problem = Problem::new(status, self.code(), detail);
        problem.field = field;
        let mut response = problem.into_response_with(status);
        if let Self::RateLimited {
            retry_after_seconds,
        }
        | Self::Overloaded {
            retry_after_seconds,
            ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_seconds.max(1).into());
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::warn!(error = %err, "database unavailable");
                Self::Unavailable("the database is unavailable; try again shortly".into())
            }
            _ => Self::Internal(err.into()),
        }
    }
}

/// Whether a database error is a unique-constraint violation (same check on SQLite and MySQL).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        // sqlx maps MySQL's duplicate-key errors (1062, 1586) and SQLite's UNIQUE/PRIMARY KEY
        // codes (2067, 1555) to this kind. SQLSTATE 23000 alone is not enough on MySQL: it also
        // covers NOT NULL and foreign-key violations, which are bugs, not duplicates.
        sqlx::Error::Database(db) => {
            db.is_unique_violation() || db.code().is_some_and(|c| c == "2067" || c == "1555")
        }
        _ => false,
    }
}

/// `axum::Json` with rejections turned into problems: malformed JSON → 400, a missing or
/// mistyped field → 422 naming the field, an oversized body → 413.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = req
            .extensions()
            .get::<crate::request::BodyLimit>()
            .map(|l| l.0);
        // A JSON body must say so (a form post from another site must not be read as JSON).
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| {
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "the body must be JSON sent as Content-Type: application/json".into(),
            ));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) => {
                return Err(if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge {
                        limit: limit.unwrap_or_default(),
                    }
                } else {
                    ApiError::BadRequest(rejection.body_text())
                })
            }
        };
        parse_json(&bytes).map(Json)
    }
}

/// Parses a JSON body, classifying failures as [`Json`] does.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut *de) {
        // One JSON value and nothing after it (whitespace aside).
        Ok(value) => match de.end() {
            Ok(()) => Ok(value),
            Err(_) => Err(ApiError::BadRequest(
                "malformed JSON body: trailing data after the JSON value".into(),
            )),
        },
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Data => {
                    let message = inner.to_string();
                    let field = missing_field(&message).unwrap_or(path);
                    let detail = message
                        .split(" at line")
                        .next()
                        .unwrap_or(&message)
                        .to_string();
                    Err(ApiError::validation(field, detail))
                }
                _ => Err(ApiError::BadRequest(format!(
                    "malformed JSON body: {inner}"
                ))),
            }
        }
    }
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        age: u32,
    }

    #[test]
    fn trailing_data_after_the_json_value_is_refused() {
        let err = parse_json::<Body>(br#"{"email": "a", "age": 3} {"x": 1}"#).unwrap_err();
        assert!(matches!(err, ApiError::BadRequest(_)), "{err:?}");
        assert!(parse_json::<Body>(b"{\"email\": \"a\", \"age\": 3}  \n").is_ok());
    }

    #[test]
    fn missing_field_is_named() {
        let err = parse_json::<Body>(br#"{"age": 3}"#).unwrap_err();
        assert!(
            matches!(err, ApiError::Validation { ref field, .. } if field == "email"),
            "{err:?}"
        );
    }

    #[test]
    fn wrong_type_names_the_path() {
        let err = parse_json::<Body>(br#"{"email": "a", "age": "x"}"#).unwrap_err();
        assert!(
            matches!(err, ApiError::Validation { ref field, .. } if field == "age"),
            "{err:?}"
        );
    }

    #[test]
    fn malformed_json_is_bad_request() {
        let err = parse_json::<Body>(br#"{"email": "#).unwrap_err();
        assert!(matches!(err, ApiError::BadRequest(_)), "{err:?}");
    }
}
