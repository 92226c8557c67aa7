//! The Ed25519 key that signs access tokens, and the JWKS that publishes its public half.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::EncodingKey;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use wayfare_chassis::config::Settings;

pub struct SigningKeys {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwks: serde_json::Value,
}

impl SigningKeys {
    /// From `WAYFARE_JWT_SIGNING_KEY`, else `WAYFARE_JWT_SIGNING_KEY_FILE`, else the file in the
    /// data directory, generated on first start.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let auth: crate::config::AuthSettings = settings.section();
        if let Some(pem) = &auth.signing_key {
            return Self::from_pem(pem.expose_secret());
        }
        if let Some(path) = &auth.signing_key_file {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("WAYFARE_JWT_SIGNING_KEY_FILE {}: {e}", path.display())
            })?;
            return Self::from_pem(&pem);
        }
        let path = settings.data_dir.join("auth-signing-key.pem");
        if !settings.is_embedded("auth") {
            tracing::warn!(
                path = %path.display(),
                "no WAYFARE_JWT_SIGNING_KEY configured; using a key from the data directory, \
                 which replicas do not share"
            );
        }
        Self::from_pem(&read_or_generate(&path)?)
    }

    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| anyhow::anyhow!("the signing key is not an Ed25519 PKCS#8 PEM: {e}"))?;
        Self::from_key(&key)
    }

    fn from_key(key: &SigningKey) -> anyhow::Result<Self> {
        let public = key.verifying_key().to_bytes();
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12]);
        let der = key
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("encoding the key: {e}"))?;
        let encoding = EncodingKey::from_ed_der(der.as_bytes());
        let jwks = serde_json::json!({
            "keys": [{
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(public),
                "kid": kid,
                "alg": "EdDSA",
                "use": "sig",
            }]
        });
        Ok(Self {
            kid,
            encoding,
            jwks,
        })
    }
}

/// Generates a new key as PKCS#8 PEM (used by `wayfare keygen` and embedded mode).
pub fn generate_pem() -> anyhow::Result<String> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encoding the key: {e}"))?;
    Ok(pem.to_string())
}

fn read_or_generate(path: &Path) -> anyhow::Result<String> {
    if let Ok(pem) = std::fs::read_to_string(path) {
        return Ok(pem);
    }
    if let Some(parent) = path.parent() {
        wayfare_chassis::ensure_private_dir(parent)?;
    }
    let pem = generate_pem()?;
    write_private(path, &pem)?;
    tracing::info!(path = %path.display(), "generated a token signing key");
    Ok(pem)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    Ok(())
}
