//! auth's domain: checked inputs (parse, don't validate), signing keys and tokens.

pub mod keys;
pub mod tokens;

use crate::error::AuthError;

/// Characters that change how text is displayed without being visible: bidirectional
/// controls, zero-width characters, the byte-order mark, soft hyphen. In an identity they only
/// serve to make two different strings look alike.
pub fn is_invisible_or_bidi(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// NFKC (compatibility composition): full-width and other look-alike forms become one
/// canonical spelling, so `ａｄａ@example.com` and `ada@example.com` are one account.
fn nfkc(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfkc().collect()
}

/// A normalised (NFKC, trimmed, lower-cased) e-mail address of plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let invalid = |reason: &str| AuthError::Invalid {
            field: "email",
            reason: reason.into(),
        };
        if raw.chars().any(is_invisible_or_bidi) {
            return Err(invalid(
                "must not contain invisible or direction-changing characters",
            ));
        }
        let email = nfkc(raw).trim().to_lowercase();
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

/// A password that passed NIST SP 800-63B's checks, normalised (NFKC) so that the same
/// characters typed on another keyboard or OS verify alike; never logged.
pub struct Password(String);

/// The blocklist shipped with the binary (one password a line, `#` comments).
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Argon2 accepts more, but a megabyte password is a denial-of-service vector.
    pub const MAX_CHARS: usize = 256;

    /// The form a password is hashed and verified in (also used at login, so passwords set
    /// before normalisation and after it verify the same way).
    pub fn normalize(raw: &str) -> String {
        nfkc(raw)
    }

    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let invalid = |reason: String| AuthError::Invalid {
            field: "password",
            reason,
        };
        if raw.chars().any(is_invisible_or_bidi) {
            return Err(invalid(
                "must not contain invisible or control characters".into(),
            ));
        }
        let password = Self::normalize(raw);
        let n = password.chars().count();
        if n < Self::MIN_CHARS {
            return Err(invalid(format!(
                "must be at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if n > Self::MAX_CHARS {
            return Err(invalid(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        if password.trim().is_empty() {
            return Err(invalid("must not be only spaces".into()));
        }
        if is_guessable(&password) {
            return Err(invalid(
                "is too common or too easy to guess; choose a longer phrase of your own".into(),
            ));
        }
        Ok(Password(password))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// On the blocklist, one repeated character, or a straight run (`abcdefghij`, `9876543210`).
fn is_guessable(password: &str) -> bool {
    let lower = password.to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return true;
    }
    let chars: Vec<char> = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 2 {
        return true;
    }
    let same = chars.windows(2).all(|w| w[0] == w[1]);
    let step = |d: i32| chars.windows(2).all(|w| w[1] as i32 - w[0] as i32 == d);
    same || step(1) || step(-1)
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
        let name = nfkc(raw);
        let name = name.trim();
        let n = name.chars().count();
        if n == 0 || n > 200 || name.chars().any(is_invisible_or_bidi) {
            return Err(AuthError::Invalid {
                field: "name",
                reason: "must be 1 to 200 printable characters".into(),
            });
        }
        // A name is shown in e-mails, the admin console and other people's screens: markup
        // has no business in it.
        if name.contains(['<', '>']) {
            return Err(AuthError::Invalid {
                field: "name",
                reason: "must not contain < or >".into(),
            });
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Argon2id with OWASP's first parameter set (m = 19 MiB, t = 2, p = 1): the memory one hash
/// takes is what [`Hasher`] multiplies by its concurrency.
fn argon2() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("static parameters are valid");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Bounds password hashing: at most `concurrency` hashes run at once (each holds ~19 MiB), at
/// most `queue` more wait, each for at most `wait`; the rest are told to come back (503 with
/// `Retry-After`). Without it a login burst grows memory by 19 MiB per request.
pub struct Hasher {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
    queue: usize,
    wait: std::time::Duration,
}

impl Hasher {
    pub fn new(concurrency: usize, queue: usize, wait: std::time::Duration) -> Self {
        let concurrency = if concurrency == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            concurrency
        };
        Self {
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency)),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            queue,
            wait,
        }
    }

    fn busy() -> AuthError {
        metrics::counter!("auth_hash_rejected_total").increment(1);
        AuthError::Api(wayfare_chassis::ApiError::Overloaded {
            detail: "too many sign-ins are in progress; try again in a moment".into(),
            retry_after_seconds: 1,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        use std::sync::atomic::Ordering;
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(Self::busy());
                }
                // Counted out again whether the wait ends, times out or is cancelled.
                struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);
                impl Drop for Waiting<'_> {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::AcqRel);
                    }
                }
                let _waiting = Waiting(&self.waiting);
                match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(Self::busy()),
                }
            }
        };
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            job()
        })
        .await
        .map_err(|e| AuthError::from(anyhow::anyhow!("hashing task failed: {e}")))
    }

    /// Argon2id hash of a (normalised) password.
    pub async fn hash(&self, password: Password) -> Result<String, AuthError> {
        self.run(move || {
            use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_str().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await?
        .map_err(AuthError::from)
    }

    /// Checks a password against a stored hash. Without a stored hash (unknown user) a dummy
    /// hash is checked anyway, so both failures take the same time.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, AuthError> {
        let password = Password::normalize(&password);
        self.run(move || {
            use argon2::password_hash::{PasswordHash, PasswordVerifier};
            let hash = stored.as_deref().unwrap_or(DUMMY_HASH);
            let parsed =
                PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("bad stored hash: {e}"))?;
            let ok = argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok::<_, anyhow::Error>(ok && stored.is_some())
        })
        .await?
        .map_err(AuthError::from)
    }
}

/// Per-account login throttling (OWASP ASVS 2.2.1, NIST 800-63B §5.2.2): after
/// `free_failures` wrong passwords for one e-mail, each further attempt must wait 1, 2, 4 …
/// seconds (up to `max_backoff`) after the previous failure, from any address. A success
/// clears it. Kept in the shared cache, keyed by a hash of the e-mail (so the cache holds no
/// addresses), and applied whether or not the account exists.
#[derive(Clone)]
pub struct LoginThrottle {
    pub cache: wayfare_chassis::cache::Cache,
    pub free_failures: u32,
    pub max_backoff: std::time::Duration,
}

impl LoginThrottle {
    fn key(email: &str) -> String {
        format!(
            "login-failures:{}",
            &wayfare_chassis::idempotency::sha256_hex(email.as_bytes())[..32]
        )
    }

    async fn read(&self, email: &str) -> (u32, i64) {
        self.cache
            .get(&Self::key(email))
            .await
            .and_then(|v| {
                let (count, last) = v.split_once(':')?;
                Some((count.parse().ok()?, last.parse().ok()?))
            })
            .unwrap_or((0, 0))
    }

    /// Err(429) while this account must still wait.
    pub async fn check(&self, email: &str) -> Result<(), AuthError> {
        let (failures, last_ms) = self.read(email).await;
        if failures < self.free_failures {
            return Ok(());
        }
        let exponent = (failures - self.free_failures).min(20);
        let wait_ms = (1000i64 << exponent).min(self.max_backoff.as_millis() as i64);
        let remaining = last_ms + wait_ms - wayfare_chassis::db::now_ms();
        if remaining > 0 {
            metrics::counter!("auth_login_throttled_total").increment(1);
            return Err(AuthError::Api(wayfare_chassis::ApiError::RateLimited {
                retry_after_seconds: (remaining as u64).div_ceil(1000),
            }));
        }
        Ok(())
    }

    pub async fn failed(&self, email: &str) {
        let (failures, _) = self.read(email).await;
        let keep = self.max_backoff * 4 + std::time::Duration::from_secs(3600);
        self.cache
            .set(
                &Self::key(email),
                &format!("{}:{}", failures + 1, wayfare_chassis::db::now_ms()),
                keep,
            )
            .await;
    }

    pub async fn succeeded(&self, email: &str) {
        self.cache.delete(&Self::key(email)).await;
    }
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
        assert!(Password::parse("a good long phrase").is_ok());
    }

    fn hasher() -> Hasher {
        Hasher::new(2, 4, std::time::Duration::from_secs(5))
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_never_do() {
        let hasher = hasher();
        let hash = hasher
            .hash(Password::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify("correct horse battery".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify("wrong password!".into(), Some(hash))
            .await
            .unwrap());
        assert!(!hasher.verify("anything at all".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_hash_queue_is_refused_at_once_not_grown() {
        let hasher = std::sync::Arc::new(Hasher::new(1, 1, std::time::Duration::from_secs(5)));
        let mut running = Vec::new();
        for _ in 0..2 {
            let hasher = hasher.clone();
            running.push(tokio::spawn(async move {
                hasher
                    .hash(Password::parse("correct horse battery").unwrap())
                    .await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        // One hashing, one queued: the third is told to come back.
        let third = hasher
            .hash(Password::parse("correct horse battery").unwrap())
            .await;
        match third {
            Err(AuthError::Api(wayfare_chassis::ApiError::Overloaded { .. })) => {}
            other => panic!("expected overloaded, got {:?}", other.map(|_| ())),
        }
        for job in running {
            assert!(job.await.unwrap().is_ok());
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        for weak in [
            "1234567890",
            "          ",
            "password123",
            "PASSWORD123",
            "aaaaaaaaaaaa",
            "abcdefghijkl",
            "9876543210",
            "qwertyuiop",
            "ten\u{200b}chars\u{200b}xyz",
            "\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}",
        ] {
            assert!(Password::parse(weak).is_err(), "{weak:?}");
        }
        assert!(Password::parse("correct horse battery staple").is_ok());
        // Full-width digits normalise to the blocked ASCII ones.
        assert!(Password::parse("１２３４５６７８９０").is_err());
    }

    #[test]
    fn identities_are_normalised_and_refuse_invisible_characters() {
        assert_eq!(
            Email::parse("ＡＤＡ@example.com").unwrap().as_str(),
            "ada@example.com"
        );
        assert!(Email::parse("ada\u{202e}@example.com").is_err());
        assert!(Email::parse("a\u{200b}da@example.com").is_err());
        assert!(DisplayName::parse("<script>alert(1)</script>").is_err());
        assert!(DisplayName::parse("Ada \u{202e}Lovelace").is_err());
        assert_eq!(DisplayName::parse(" Ada ").unwrap().as_str(), "Ada");
    }
}
