//! auth's domain: checked inputs (parse, don't validate), signing keys and tokens.

pub mod keys;
pub mod tokens;

use crate::error::AuthError;

/// A normalised (trimmed, lower-cased) e-mail address of plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let email = raw.trim().to_lowercase();
        let invalid = |reason: &str| AuthError::Invalid {
            field: "email",
            reason: reason.into(),
        };
        if email.is_empty() || email.len() > 254 {
            return Err(invalid("must be between 1 and 254 characters"));
        }
        let (local, domain) = email
            .split_once('@')
            .ok_or_else(|| invalid("must contain @"))?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c.is_control());
        if !local_ok || !domain_ok {
            return Err(invalid("is not a valid e-mail address"));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password long enough to be worth hashing; never logged.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Argon2 accepts more, but a megabyte password is a denial-of-service vector.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(AuthError::Invalid {
                field: "password",
                reason: format!("must be at least {} characters", Self::MIN_CHARS),
            });
        }
        if n > Self::MAX_CHARS {
            return Err(AuthError::Invalid {
                field: "password",
                reason: format!("must be at most {} characters", Self::MAX_CHARS),
            });
        }
        Ok(Password(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A display name: 1–200 characters after trimming.
#[derive(Debug, Clone)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let name = raw.trim();
        let n = name.chars().count();
        if n == 0 || n > 200 || name.chars().any(char::is_control) {
            return Err(AuthError::Invalid {
                field: "name",
                reason: "must be 1 to 200 printable characters".into(),
            });
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Argon2id hashing, off the async threads (it is deliberately slow).
pub async fn hash_password(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_str().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Checks a password against a stored hash. Without a stored hash (unknown user) a dummy hash
/// is checked anyway, so both failures take the same time.
pub async fn verify_password(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let hash = stored.as_deref().unwrap_or(DUMMY_HASH);
        let parsed =
            PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("bad stored hash: {e}"))?;
        let ok = argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && stored.is_some())
    })
    .await?
}

/// The argon2id hash of a random string nobody knows, with the default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Bz9tVUBcvvAoFPPjFxIH2y8uE1j3bK0l4QhmJOmHcU";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn bad_emails_are_rejected() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@ex..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_passwords_are_rejected() {
        assert!(Password::parse("123456789").is_err());
        assert!(Password::parse("1234567890").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_do() {
        let hash = hash_password(Password::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(
            verify_password("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong password!".into(), Some(hash))
            .await
            .unwrap());
        assert!(!verify_password("anything at all".into(), None)
            .await
            .unwrap());
    }
}
