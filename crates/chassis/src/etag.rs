//! Optimistic concurrency for editable resources: a resource carries an integer `version`,
//! sent as a strong `ETag` (`"7"`); a write may carry `If-Match` with the version it was based
//! on, and the owning service applies it only if the version is still current (a conditional
//! `UPDATE … WHERE version = ?`), answering 412 `version_mismatch` otherwise. So two people
//! editing the same thing never overwrite each other silently.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The `ETag` of `version`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header value")
}

/// The version an `If-Match` header names, if the request has one. Accepts `"7"`, `W/"7"` and
/// a bare `7`; `*` means "any version" (None). Anything else is a 412: it cannot match.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::PreconditionFailed("If-Match is not a version".into()))?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    bare.parse::<i64>().map(Some).map_err(|_| {
        ApiError::PreconditionFailed(format!("If-Match {text} is not a version of this resource"))
    })
}

/// The 412 a stale `If-Match` gets.
pub fn stale(what: &str) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "{what} was changed by someone else since you read it; reload it and try again"
    ))
}

/// A JSON answer with its resource's `ETag`.
pub struct Tagged<T>(pub i64, pub T);

impl<T: serde::Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.1).into_response();
        response.headers_mut().insert(header::ETAG, etag(self.0));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn reads_the_forms_clients_send() {
        assert_eq!(if_match(&HeaderMap::new()).unwrap(), None);
        assert_eq!(if_match(&with("\"7\"")).unwrap(), Some(7));
        assert_eq!(if_match(&with("W/\"7\"")).unwrap(), Some(7));
        assert_eq!(if_match(&with("7")).unwrap(), Some(7));
        assert_eq!(if_match(&with("*")).unwrap(), None);
        let err = if_match(&with("\"abc\"")).unwrap_err();
        assert_eq!(err.code(), "version_mismatch");
        assert_eq!(etag(3), HeaderValue::from_static("\"3\""));
    }
}
