//! The web app's session mode: the refresh token travels in an `HttpOnly; Secure;
//! SameSite=Strict` cookie that scripts cannot read, so a cross-site script injection cannot
//! steal the long-lived credential; the access token stays in the page's memory.
//!
//! Cookies are sent by the browser on its own, so refresh and logout in this mode also need
//! proof that the page itself asked (double submit): the `X-CSRF-Token` header must equal the
//! `wayfare_csrf` cookie, which only pages of the same origin can read. `SameSite=Strict`
//! already keeps the cookies off cross-site requests; the header check holds even where a
//! browser or a sibling subdomain would weaken that.

use axum::http::{header, HeaderMap, HeaderValue};
use serde::Deserialize;

use crate::error::AuthError;

/// The refresh token (HttpOnly, only sent to auth's own paths).
pub const REFRESH_COOKIE: &str = "wayfare_refresh";
/// The double-submit value the page echoes in [`CSRF_HEADER`] (readable by scripts).
pub const CSRF_COOKIE: &str = "wayfare_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Only auth reads the refresh cookie, so only auth's paths get it.
const REFRESH_COOKIE_PATH: &str = "/api/auth";

/// Where a login's refresh token goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionMode {
    /// In the answer's body (API clients, mobile apps).
    #[default]
    Body,
    /// In an HttpOnly cookie (the web app); the body then carries no refresh token.
    Cookie,
}

/// The `Set-Cookie` headers that start or rotate a cookie session.
pub fn set_cookies(refresh_token: &str, max_age_seconds: i64) -> Vec<HeaderValue> {
    let max_age = max_age_seconds.max(0);
    let csrf = crate::domain::tokens::new_refresh_token();
    [
        format!(
            "{REFRESH_COOKIE}={refresh_token}; Path={REFRESH_COOKIE_PATH}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
        ),
        format!("{CSRF_COOKIE}={csrf}; Path=/; Max-Age={max_age}; Secure; SameSite=Strict"),
    ]
    .into_iter()
    .filter_map(|cookie| HeaderValue::from_str(&cookie).ok())
    .collect()
}

/// The `Set-Cookie` headers that end a cookie session in the browser.
pub fn clear_cookies() -> Vec<HeaderValue> {
    [
        format!("{REFRESH_COOKIE}=; Path={REFRESH_COOKIE_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Strict"),
        format!("{CSRF_COOKIE}=; Path=/; Max-Age=0; Secure; SameSite=Strict"),
    ]
    .into_iter()
    .filter_map(|cookie| HeaderValue::from_str(&cookie).ok())
    .collect()
}

/// The value of cookie `name` in the request, if sent (the first one when repeated).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// The refresh token of a cookie session, after the double-submit check.
pub fn refresh_token_from_cookies(headers: &HeaderMap) -> Result<String, AuthError> {
    let expected = cookie(headers, CSRF_COOKIE).ok_or(AuthError::CsrfFailed)?;
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .ok_or(AuthError::CsrfFailed)?;
    if !constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
        return Err(AuthError::CsrfFailed);
    }
    cookie(headers, REFRESH_COOKIE).ok_or(AuthError::BadRefreshToken)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_refresh_cookie_is_httponly_secure_strict_and_scoped_to_auth() {
        let cookies = set_cookies("tok", 3600);
        let refresh = cookies[0].to_str().unwrap();
        assert!(refresh.starts_with("wayfare_refresh=tok;"));
        for part in [
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/api/auth",
            "Max-Age=3600",
        ] {
            assert!(refresh.contains(part), "{refresh} lacks {part}");
        }
        let csrf = cookies[1].to_str().unwrap();
        assert!(csrf.starts_with("wayfare_csrf=") && !csrf.contains("HttpOnly"));
    }

    #[test]
    fn refresh_by_cookie_needs_the_matching_csrf_header() {
        let cookie_line = "a=b; wayfare_csrf=abc; wayfare_refresh=tok";
        let ok = headers(&[("cookie", cookie_line), ("x-csrf-token", "abc")]);
        assert_eq!(refresh_token_from_cookies(&ok).unwrap(), "tok");
        let missing = headers(&[("cookie", cookie_line)]);
        assert!(matches!(
            refresh_token_from_cookies(&missing),
            Err(AuthError::CsrfFailed)
        ));
        let wrong = headers(&[("cookie", cookie_line), ("x-csrf-token", "abd")]);
        assert!(matches!(
            refresh_token_from_cookies(&wrong),
            Err(AuthError::CsrfFailed)
        ));
        let no_refresh = headers(&[("cookie", "wayfare_csrf=abc"), ("x-csrf-token", "abc")]);
        assert!(matches!(
            refresh_token_from_cookies(&no_refresh),
            Err(AuthError::BadRefreshToken)
        ));
    }
}
