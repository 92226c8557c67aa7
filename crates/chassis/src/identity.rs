//! Verifying who a request is from. Access tokens are EdDSA JWTs signed by auth and published
//! at `/.well-known/jwks.json`; every service verifies them itself (no service trusts an
//! identity header it did not verify). Keys are cached and refetched when an unknown `kid`
//! appears, at most once per [`REFRESH_COOLDOWN`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::client::ServiceClient;
use crate::error::ApiError;

/// Clock skew tolerated between the issuer and a verifier.
const CLOCK_LEEWAY_SECONDS: u64 = 5;

/// Unknown `kid`s trigger a refetch at most this often, so forged tokens cannot flood auth.
const REFRESH_COOLDOWN: Duration = Duration::from_secs(5);
/// A token whose signature and claims checked out is remembered this long (by its exact
/// bytes), so the same token on the next request costs a lookup instead of an Ed25519
/// verification (the largest part of the gateway's per-request work with a token). Expiry
/// is still checked on every use, and revocations are looked up every time; a key withdrawn
/// from the JWKS stops working for cached tokens within this time.
const VERIFIED_TTL: Duration = Duration::from_secs(30);
/// At most this many remembered tokens per process (about 1 KiB each).
const VERIFIED_CAPACITY: u64 = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub email: String,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The session (refresh-token family) the token was issued for; logging out revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// When it was issued, in Unix milliseconds: `iat` is whole seconds, too coarse to tell a
    /// token minted just before an account was disabled from one minted just after it was
    /// enabled again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
}

impl Claims {
    /// When the token was issued, in Unix ms (the start of `iat`'s second when `iat_ms` is
    /// missing, so such a token counts as the older one).
    pub fn issued_at_ms(&self) -> i64 {
        self.iat_ms.unwrap_or(self.iat.saturating_mul(1000))
    }
}

/// Cache key marking a session as ended (set by auth on logout or token reuse).
pub fn revoked_session_key(sid: &str) -> String {
    format!("revoked-session:{sid}")
}

/// Cache key holding the instant (Unix ms) up to which a user's tokens are void (set by auth
/// when an admin disables an account or changes its role).
pub fn revoked_user_key(user_id: &str) -> String {
    format!("revoked-user:{user_id}")
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "customer" => Some(Role::Customer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Where keys come from: auth's JWKS over HTTP, or a fixed set (auth itself).
enum KeySource {
    Remote(Box<ServiceClient>),
    Fixed,
}

#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    source: KeySource,
    keys: RwLock<HashMap<String, DecodingKey>>,
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    validation: Validation,
    /// Tokens that verified, by their exact text (see [`VERIFIED_TTL`]).
    verified: moka::sync::Cache<Arc<str>, Arc<Claims>>,
    /// Where revoked sessions and users are looked up; without it only the signature counts.
    revocations: Option<crate::cache::Cache>,
}

impl TokenVerifier {
    /// Verifies against the JWKS auth serves at `{auth_url}/.well-known/jwks.json`.
    pub fn remote(auth: ServiceClient, issuer: &str, audience: &str) -> Self {
        Self::build(
            KeySource::Remote(Box::new(auth)),
            HashMap::new(),
            issuer,
            audience,
        )
    }

    /// Verifies against a fixed key set.
    pub fn fixed(jwks: &JwkSet, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        Ok(Self::build(
            KeySource::Fixed,
            decode_keys(jwks)?,
            issuer,
            audience,
        ))
    }

    fn build(
        source: KeySource,
        keys: HashMap<String, DecodingKey>,
        issuer: &str,
        audience: &str,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = CLOCK_LEEWAY_SECONDS;
        Self {
            inner: Arc::new(Inner {
                source,
                keys: RwLock::new(keys),
                last_fetch: tokio::sync::Mutex::new(None),
                validation,
                verified: moka::sync::Cache::builder()
                    .max_capacity(VERIFIED_CAPACITY)
                    .time_to_live(VERIFIED_TTL)
                    .build(),
                revocations: None,
            }),
        }
    }

    /// Also refuse tokens of ended sessions and revoked users, as recorded in `cache` (shared
    /// by every replica through Redis). A cache that does not answer revokes nothing.
    pub fn with_revocations(self, cache: crate::cache::Cache) -> Self {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|_| {
            unreachable!("with_revocations is called while building, before any clone")
        });
        Self {
            inner: Arc::new(Inner {
                revocations: Some(cache),
                ..inner
            }),
        }
    }

    /// Checks signature, algorithm, issuer, audience and expiry. Any failure is one generic
    /// 401; an unreachable auth service (no keys to check with) is a 503.
    pub async fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let now_s = crate::db::now_ms() / 1000;
        let claims = match self.inner.verified.get(token) {
            Some(claims) if claims.exp + CLOCK_LEEWAY_SECONDS as i64 >= now_s => claims,
            _ => {
                let claims = Arc::new(self.verify_signature_and_claims(token).await?);
                self.inner.verified.insert(Arc::from(token), claims.clone());
                claims
            }
        };
        self.check_revocations(&claims).await?;
        Ok(claims.as_ref().clone())
    }

    /// Signature, algorithm, issuer, audience, expiry and issue time: everything about a
    /// token that does not change while it lives.
    async fn verify_signature_and_claims(&self, token: &str) -> Result<Claims, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid_token())?;
        if header.alg != Algorithm::EdDSA {
            return Err(invalid_token());
        }
        let kid = header.kid.ok_or_else(invalid_token)?;
        if !self.has_key(&kid) {
            self.refresh().await?;
        }
        let claims = {
            let keys = self.inner.keys.read().unwrap_or_else(|e| e.into_inner());
            let key = keys.get(&kid).ok_or_else(invalid_token)?;
            jsonwebtoken::decode::<Claims>(token, key, &self.inner.validation)
                .map(|data| data.claims)
                .map_err(|_| invalid_token())?
        };
        // Issued in the future: a forged or mis-clocked token.
        if claims.iat > crate::db::now_ms() / 1000 + CLOCK_LEEWAY_SECONDS as i64 {
            return Err(invalid_token());
        }
        Ok(claims)
    }

    /// Ended sessions and revoked users (shared by every replica through the cache).
    async fn check_revocations(&self, claims: &Claims) -> Result<(), ApiError> {
        if let Some(cache) = &self.inner.revocations {
            // Both marks in one round trip (one MGET on Redis): this runs on every
            // authenticated request, at the gateway and again in the service.
            let user_key = revoked_user_key(&claims.sub);
            let session_key = claims.sid.as_deref().map(revoked_session_key);
            let mut keys = vec![user_key.as_str()];
            keys.extend(session_key.as_deref());
            let mut marks = cache.get_many(&keys).await.into_iter();
            let user_mark = marks.next().flatten();
            if marks.next().flatten().is_some() {
                return Err(invalid_token());
            }
            if let Some(since) = user_mark {
                if since
                    .parse::<i64>()
                    .is_ok_and(|since| claims.issued_at_ms() <= since)
                {
                    return Err(invalid_token());
                }
            }
        }
        Ok(())
    }

    fn has_keys(&self) -> bool {
        !self
            .inner
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    fn has_key(&self, kid: &str) -> bool {
        self.inner
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(kid)
    }

    async fn refresh(&self) -> Result<(), ApiError> {
        let KeySource::Remote(client) = &self.inner.source else {
            return Ok(());
        };
        let mut last = self.inner.last_fetch.lock().await;
        if self.has_keys() && last.is_some_and(|t| t.elapsed() < REFRESH_COOLDOWN) {
            return Ok(());
        }
        *last = Some(Instant::now());
        let jwks: JwkSet = client
            .get_json("/.well-known/jwks.json")
            .await
            .map_err(|err| {
                tracing::warn!(error = %err, "cannot fetch JWKS from auth");
                ApiError::Unavailable("cannot verify tokens right now; auth is unavailable".into())
            })?;
        let keys = decode_keys(&jwks).map_err(ApiError::Internal)?;
        tracing::info!(keys = keys.len(), "JWKS refreshed");
        *self.inner.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(())
    }
}

/// Fetches auth's keys before a replica first answers "ready", so its first requests with a
/// token do not wait on (or fail with) a key fetch. It never fails readiness by itself: with
/// auth away every service would leave the rotation, anonymous reads included; the fetch is
/// then simply tried again on the next probe and on the next token.
impl crate::health::ReadinessCheck for TokenVerifier {
    fn name(&self) -> String {
        "token-keys".to_string()
    }

    fn check(&self) -> futures::future::BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            if !self.has_keys() {
                if let Err(err) = self.refresh().await {
                    tracing::debug!(error = %err, "ready without token keys for now");
                }
            }
            Ok(())
        })
    }
}

/// Every refused token gets the same answer: nothing tells a forger which check failed.
fn invalid_token() -> ApiError {
    ApiError::Unauthorized("invalid or expired access token".into())
}

fn decode_keys(jwks: &JwkSet) -> anyhow::Result<HashMap<String, DecodingKey>> {
    let mut keys = HashMap::new();
    for jwk in &jwks.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        keys.insert(kid, DecodingKey::from_jwk(jwk)?);
    }
    Ok(keys)
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// An authenticated user: extracting it verifies the bearer token (401 without one).
#[derive(Debug, Clone)]
pub struct AuthUser(pub Claims);

impl<S> FromRequestParts<S> for AuthUser
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::Unauthorized("a bearer access token is required".into()))?;
        let verifier = TokenVerifier::from_ref(state);
        verifier.verify(token).await.map(AuthUser)
    }
}

/// An authenticated admin: 401 without a valid token, 403 for any other role.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Claims);

impl<S> FromRequestParts<S> for AdminUser
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let AuthUser(claims) = AuthUser::from_request_parts(parts, state).await?;
        if claims.role != Role::Admin {
            return Err(ApiError::Forbidden(
                "this action needs the admin role".into(),
            ));
        }
        Ok(AdminUser(claims))
    }
}

// Service identity lives in its own module (the client signs with it; this module's token
// verifier uses the client), re-exported here where services have always found it.
pub use crate::service_identity::{
    InternalGuard, ServiceCaller, ServiceIdentity, SERVICE_TOKEN_HEADER,
};
