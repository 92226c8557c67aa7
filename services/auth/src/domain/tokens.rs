//! Access tokens (short-lived EdDSA JWTs) and refresh tokens (opaque, stored hashed, rotated).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Header};
use rand::RngCore;
use serde::Serialize;
use wayfare_chassis::identity::{Claims, Role};

use super::keys::SigningKeys;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Absent in the web app's cookie mode, where it travels in an HttpOnly cookie instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    pub expires_in: u64,
}

pub struct AccessTokenSpec<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub ttl_seconds: u64,
}

pub fn issue_access_token(
    keys: &SigningKeys,
    spec: &AccessTokenSpec<'_>,
    user_id: &str,
    email: &str,
    role: Role,
    session_id: Option<&str>,
    now_ms: i64,
) -> anyhow::Result<String> {
    let now_seconds = now_ms.div_euclid(1000);
    let claims = Claims {
        sub: user_id.to_string(),
        email: email.to_string(),
        role,
        iss: spec.issuer.to_string(),
        aud: spec.audience.to_string(),
        iat: now_seconds,
        exp: now_seconds + spec.ttl_seconds as i64,
        jti: uuid::Uuid::new_v4().to_string(),
        sid: session_id.map(str::to_owned),
        iat_ms: Some(now_ms),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.kid.clone());
    Ok(jsonwebtoken::encode(&header, &claims, &keys.encoding)?)
}

/// A new opaque refresh token: 256 random bits.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("rt_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored: the SHA-256 of the token (a fast hash is right for 256 random bits).
pub fn hash_refresh_token(token: &str) -> String {
    wayfare_chassis::idempotency::sha256_hex(token.as_bytes())
}

/// An access token for `user_id` signed with the key in `key_file` (as auth keeps it in its
/// data directory): for load generators and tests that must not spend their time hashing
/// passwords. Nothing in the request path uses it.
pub fn access_token_from_key_file(
    key_file: &std::path::Path,
    user_id: &str,
    ttl_seconds: u64,
) -> anyhow::Result<String> {
    let keys = SigningKeys::from_pem(&std::fs::read_to_string(key_file)?)?;
    let spec = AccessTokenSpec {
        issuer: "wayfare",
        audience: "wayfare-api",
        ttl_seconds,
    };
    let now = wayfare_chassis::db::now_ms();
    issue_access_token(
        &keys,
        &spec,
        user_id,
        &format!("{user_id}@example.com"),
        Role::Customer,
        None,
        now,
    )
}
