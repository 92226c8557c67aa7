//! Idempotency keys and request fingerprints, shared by every endpoint that moves money or
//! stock: the same key with the same fingerprint replays the first result; the same key with
//! another fingerprint is a 409.

use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;

/// The request's `Idempotency-Key`: 400 when missing or blank, 422 when too long.
pub fn key_from_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::BadRequest("the Idempotency-Key header is required".into()))?;
    if key.len() > MAX_KEY_LEN {
        return Err(ApiError::validation(
            "Idempotency-Key",
            format!("must be at most {MAX_KEY_LEN} characters"),
        ));
    }
    Ok(key.to_string())
}

/// Lower-case hex SHA-256: request fingerprints and stored token hashes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_required_and_bounded() {
        let mut headers = HeaderMap::new();
        assert!(matches!(
            key_from_headers(&headers),
            Err(ApiError::BadRequest(_))
        ));
        headers.insert(HEADER, " abc ".parse().unwrap());
        assert_eq!(key_from_headers(&headers).unwrap(), "abc");
        headers.insert(HEADER, "k".repeat(256).parse().unwrap());
        assert!(matches!(
            key_from_headers(&headers),
            Err(ApiError::Validation { .. })
        ));
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
