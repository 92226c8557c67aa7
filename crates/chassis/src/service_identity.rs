//! Service identity for `/internal/**` calls: who a calling service is, proven with a
//! short-lived token signed with the shared service key, and the extractor that checks it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The header internal calls carry their service token in.
pub const SERVICE_TOKEN_HEADER: &str = "x-wayfare-service-token";

/// Service identity for `/internal/**`: a caller signs a short-lived token (HS256 over the
/// shared service key) naming itself (`sub`) and the callee (`aud`); the callee checks the
/// signature, that it is the audience, and that the caller is on its list. The mesh's mTLS
/// and AuthorizationPolicies enforce the same call graph at the network layer.
#[derive(Clone)]
pub struct ServiceIdentity {
    inner: Arc<ServiceIdentityInner>,
}

struct ServiceIdentityInner {
    name: &'static str,
    encoding: jsonwebtoken::EncodingKey,
    decoding: DecodingKey,
    issued: std::sync::Mutex<HashMap<String, (String, i64)>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ServiceClaims {
    iss: String,
    sub: String,
    aud: String,
    iat: i64,
    exp: i64,
}

const SERVICE_TOKEN_TTL_SECONDS: i64 = 300;
const SERVICE_ISSUER: &str = "wayfare-service";

impl ServiceIdentity {
    pub fn new(name: &'static str, key: &[u8]) -> Self {
        Self {
            inner: Arc::new(ServiceIdentityInner {
                name,
                encoding: jsonwebtoken::EncodingKey::from_secret(key),
                decoding: DecodingKey::from_secret(key),
                issued: std::sync::Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.inner.name
    }

    /// A token for calling `callee`, reused until a minute before it expires.
    pub fn token_for(&self, callee: &str) -> String {
        let now = crate::db::now_ms() / 1000;
        let mut issued = self.inner.issued.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, exp)) = issued.get(callee) {
            if *exp - now > 60 {
                return token.clone();
            }
        }
        let claims = ServiceClaims {
            iss: SERVICE_ISSUER.into(),
            sub: self.inner.name.into(),
            aud: callee.into(),
            iat: now,
            exp: now + SERVICE_TOKEN_TTL_SECONDS,
        };
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
        .expect("HS256 signing cannot fail");
        issued.insert(callee.to_string(), (token.clone(), claims.exp));
        token
    }

    /// The calling service, if the token is valid, addressed to us, and from an allowed caller.
    pub fn verify(&self, token: &str, allowed: &[&str]) -> Result<String, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[SERVICE_ISSUER]);
        validation.set_audience(&[self.inner.name]);
        validation.leeway = 5;
        let claims =
            jsonwebtoken::decode::<ServiceClaims>(token, &self.inner.decoding, &validation)
                .map_err(|_| ApiError::Unauthorized("a valid service token is required".into()))?
                .claims;
        if !allowed.contains(&claims.sub.as_str()) {
            return Err(ApiError::Forbidden(format!(
                "{} may not call {}",
                claims.sub, self.inner.name
            )));
        }
        Ok(claims.sub)
    }
}

/// Who may call a service's internal endpoints.
#[derive(Clone)]
pub struct InternalGuard {
    pub identity: ServiceIdentity,
    pub allowed_callers: &'static [&'static str],
}

/// The verified calling service of an `/internal/**` request (401 without a token, 403 for a
/// service not on the callee's list).
#[derive(Debug, Clone)]
pub struct ServiceCaller(pub String);

impl<S> FromRequestParts<S> for ServiceCaller
where
    InternalGuard: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let guard = InternalGuard::from_ref(state);
        let token = parts
            .headers
            .get(SERVICE_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::Unauthorized("a service token is required".into()))?;
        guard
            .identity
            .verify(token, guard.allowed_callers)
            .map(ServiceCaller)
    }
}

#[cfg(test)]
mod service_identity_tests {
    use super::*;

    #[test]
    fn tokens_name_caller_and_callee() {
        let order = ServiceIdentity::new("order", b"0123456789abcdef0123456789abcdef");
        let catalog = ServiceIdentity::new("catalog", b"0123456789abcdef0123456789abcdef");
        let payment = ServiceIdentity::new("payment", b"0123456789abcdef0123456789abcdef");
        let token = order.token_for("catalog");
        assert_eq!(catalog.verify(&token, &["order"]).unwrap(), "order");
        assert!(matches!(
            catalog.verify(&token, &["admin"]),
            Err(ApiError::Forbidden(_))
        ));
        assert!(
            matches!(
                payment.verify(&token, &["order"]),
                Err(ApiError::Unauthorized(_))
            ),
            "wrong audience"
        );
        let stranger = ServiceIdentity::new("order", b"another key another key another k");
        assert!(
            catalog
                .verify(&stranger.token_for("catalog"), &["order"])
                .is_err(),
            "wrong key"
        );
    }
}
