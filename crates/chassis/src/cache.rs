//! Cache and shared counters: Redis when `WAYFARE_REDIS_URL` is set, an in-process cache
//! otherwise. The cache only speeds things up; the database decides. When Redis is down every
//! read is a miss (callers fall back to the database), writes are dropped, and rate limiting
//! falls back to per-process buckets, so the service stays ready.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache as LocalCache;
use moka::Expiry;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long one Redis command may take before it counts as a miss.
const REDIS_OP_TIMEOUT: Duration = Duration::from_millis(250);
/// How often a broken Redis is tried again.
const REDIS_RETRY_EVERY: Duration = Duration::from_secs(1);

/// Redis could not be reached (or did not answer in time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cache is unavailable")]
pub struct CacheUnavailable;

impl From<CacheUnavailable> for crate::error::ApiError {
    fn from(_: CacheUnavailable) -> Self {
        Self::Unavailable("the cache is unavailable; try again shortly".into())
    }
}

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    namespace: String,
    local: LocalCache<String, (Arc<str>, Duration)>,
    buckets: LocalCache<String, Arc<Mutex<Bucket>>>,
    redis: Option<RedisBackend>,
}

struct Ttl;

impl Expiry<String, (Arc<str>, Duration)> for Ttl {
    fn expire_after_create(
        &self,
        _: &String,
        value: &(Arc<str>, Duration),
        _: Instant,
    ) -> Option<Duration> {
        Some(value.1)
    }
}

/// The outcome of taking one token from a bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateDecision {
    pub allowed: bool,
    /// When not allowed: how long until a token is available.
    pub retry_after: Duration,
}

impl Cache {
    /// An in-process cache (embedded mode and tests).
    pub fn in_process(namespace: &str) -> Self {
        Self::build(namespace, None)
    }

    /// A Redis-backed cache. Never fails: an unreachable Redis is retried in the background
    /// of later calls.
    pub fn redis(namespace: &str, url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        Ok(Self::build(namespace, Some(RedisBackend::new(client))))
    }

    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        use secrecy::ExposeSecret;
        match &settings.redis_url {
            Some(url) => Self::redis(&settings.cache_namespace, url.expose_secret()),
            None => Ok(Self::in_process(&settings.cache_namespace)),
        }
    }

    fn build(namespace: &str, redis: Option<RedisBackend>) -> Self {
        if redis.is_none() {
            crate::metrics::record_cache_backend("memory", true);
        }
        Self {
            inner: Arc::new(Inner {
                namespace: namespace.to_string(),
                local: LocalCache::builder()
                    .max_capacity(100_000)
                    .expire_after(Ttl)
                    .build(),
                buckets: LocalCache::builder()
                    .max_capacity(200_000)
                    .time_to_idle(Duration::from_secs(600))
                    .build(),
                redis,
            }),
        }
    }

    pub fn is_redis(&self) -> bool {
        self.inner.redis.is_some()
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.inner.namespace)
    }

    /// A cached value; a miss when Redis is down (for data the database can give again).
    pub async fn get(&self, key: &str) -> Option<String> {
        self.try_get(key).await.ok().flatten()
    }

    /// A value whose only home is the cache (a cart): Redis being down is an error here, not
    /// a miss, so the caller can say so instead of showing or overwriting an empty value.
    pub async fn try_get(&self, key: &str) -> Result<Option<String>, CacheUnavailable> {
        let key = self.key(key);
        let value = match &self.inner.redis {
            Some(redis) => redis
                .run("GET", |mut c| async move {
                    redis::cmd("GET")
                        .arg(&key)
                        .query_async::<Option<String>>(&mut c)
                        .await
                })
                .await
                .ok_or(CacheUnavailable)?,
            None => self.inner.local.get(&key).map(|(v, _)| v.to_string()),
        };
        let backend = if self.is_redis() { "redis" } else { "memory" };
        crate::metrics::record_cache_read(&self.inner.namespace, backend, value.is_some());
        Ok(value)
    }

    /// Several keys in one round trip (one `MGET` on Redis), in the order asked.
    pub async fn get_many(&self, keys: &[&str]) -> Vec<Option<String>> {
        if keys.is_empty() {
            return Vec::new();
        }
        let full: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let values = match &self.inner.redis {
            Some(redis) => redis
                .run("MGET", |mut c| async move {
                    redis::cmd("MGET")
                        .arg(&full)
                        .query_async::<Vec<Option<String>>>(&mut c)
                        .await
                })
                .await
                .filter(|values| values.len() == keys.len())
                .unwrap_or_else(|| vec![None; keys.len()]),
            None => full
                .iter()
                .map(|k| self.inner.local.get(k).map(|(v, _)| v.to_string()))
                .collect(),
        };
        let backend = if self.is_redis() { "redis" } else { "memory" };
        for value in &values {
            crate::metrics::record_cache_read(&self.inner.namespace, backend, value.is_some());
        }
        values
    }

    /// Stores a value the database can give again; dropped when Redis is down.
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let _ = self.try_set(key, value, ttl).await;
    }

    /// Stores a value whose only home is the cache; Redis being down is an error.
    pub async fn try_set(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), CacheUnavailable> {
        let key = self.key(key);
        match &self.inner.redis {
            Some(redis) => {
                let value = value.to_string();
                let ms = ttl.as_millis().max(1) as u64;
                redis
                    .run("SET", |mut c| async move {
                        redis::cmd("SET")
                            .arg(&key)
                            .arg(value)
                            .arg("PX")
                            .arg(ms)
                            .query_async::<()>(&mut c)
                            .await
                    })
                    .await
                    .ok_or(CacheUnavailable)
            }
            None => {
                self.inner.local.insert(key, (Arc::from(value), ttl));
                Ok(())
            }
        }
    }

    /// Forgets a value (best effort when Redis is down).
    pub async fn delete(&self, key: &str) {
        let _ = self.try_delete(key).await;
    }

    /// Forgets a value whose only home is the cache; Redis being down is an error.
    pub async fn try_delete(&self, key: &str) -> Result<(), CacheUnavailable> {
        let key = self.key(key);
        match &self.inner.redis {
            Some(redis) => redis
                .run("DEL", |mut c| async move {
                    redis::cmd("DEL").arg(&key).query_async::<()>(&mut c).await
                })
                .await
                .ok_or(CacheUnavailable),
            None => {
                self.inner.local.invalidate(&key);
                Ok(())
            }
        }
    }

    /// Takes one token from the bucket `key` that refills at `per_second` up to `burst`.
    /// Shared across replicas through Redis; per process when Redis is absent or down.
    pub async fn take_token(&self, key: &str, per_second: f64, burst: u32) -> RateDecision {
        let key = self.key(&format!("rl:{key}"));
        if let Some(redis) = &self.inner.redis {
            let per_ms = per_second / 1000.0;
            let k = key.clone();
            let result = redis
                .run("EVALSHA", |mut c| async move {
                    TOKEN_BUCKET
                        .key(&k)
                        .arg(per_ms)
                        .arg(burst)
                        .invoke_async::<(i64, i64)>(&mut c)
                        .await
                })
                .await;
            if let Some((allowed, retry_ms)) = result {
                return RateDecision {
                    allowed: allowed == 1,
                    retry_after: Duration::from_millis(retry_ms.max(0) as u64),
                };
            }
        }
        let bucket = self
            .inner
            .buckets
            .get_with(key, || Arc::new(Mutex::new(Bucket::full(burst))));
        let mut bucket = bucket.lock().unwrap_or_else(|e| e.into_inner());
        bucket.take(per_second, burst, Instant::now())
    }
}

static TOKEN_BUCKET: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    // Redis' own clock decides, so replicas with skewed clocks share one bucket correctly.
    redis::Script::new(
        r#"
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, retry}
"#,
    )
});

/// An in-process token bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Option<Instant>,
}

impl Bucket {
    fn full(burst: u32) -> Self {
        Self {
            tokens: f64::from(burst),
            updated: None,
        }
    }

    fn take(&mut self, per_second: f64, burst: u32, now: Instant) -> RateDecision {
        if let Some(updated) = self.updated {
            let refill = now.saturating_duration_since(updated).as_secs_f64() * per_second;
            self.tokens = (self.tokens + refill).min(f64::from(burst));
        }
        self.updated = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            RateDecision {
                allowed: true,
                retry_after: Duration::ZERO,
            }
        } else {
            let wait = (1.0 - self.tokens) / per_second;
            RateDecision {
                allowed: false,
                retry_after: Duration::from_secs_f64(wait),
            }
        }
    }
}

/// A lazily connected Redis that never makes a caller wait longer than [`REDIS_OP_TIMEOUT`].
struct RedisBackend {
    client: redis::Client,
    conn: std::sync::RwLock<Option<ConnectionManager>>,
    connecting: tokio::sync::Mutex<()>,
    last_attempt_ms: AtomicU64,
    /// After a command fails or times out, Redis counts as down until then (ms since
    /// `started`): commands meanwhile are misses at once, instead of each request waiting out
    /// a timeout per command (seconds for a request that makes several, in an outage).
    down_until_ms: AtomicU64,
    started: Instant,
}

impl RedisBackend {
    fn new(client: redis::Client) -> Self {
        Self {
            client,
            conn: std::sync::RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            last_attempt_ms: AtomicU64::new(0),
            down_until_ms: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    fn current(&self) -> Option<ConnectionManager> {
        self.conn.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn connection(&self) -> Option<ConnectionManager> {
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        // Whoever holds the lock is connecting; the others treat Redis as absent meanwhile.
        let _connecting = self.connecting.try_lock().ok()?;
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        let now = self.started.elapsed().as_millis() as u64 + 1;
        let last = self.last_attempt_ms.load(Ordering::Relaxed);
        if last != 0 && now.saturating_sub(last) < REDIS_RETRY_EVERY.as_millis() as u64 {
            return None;
        }
        self.last_attempt_ms.store(now, Ordering::Relaxed);
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(REDIS_OP_TIMEOUT)
            .set_response_timeout(REDIS_OP_TIMEOUT)
            .set_number_of_retries(1);
        match tokio::time::timeout(
            REDIS_OP_TIMEOUT * 2,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        {
            Ok(Ok(conn)) => {
                tracing::info!("connected to Redis");
                *self.conn.write().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
                Some(conn)
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "Redis unreachable; serving without it");
                None
            }
            Err(_) => {
                tracing::warn!("Redis connection timed out; serving without it");
                None
            }
        }
    }

    /// Runs one command; any failure or timeout is logged and reported as `None`.
    async fn run<T, F, Fut>(&self, what: &'static str, op: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let now_ms = || self.started.elapsed().as_millis() as u64;
        if now_ms() < self.down_until_ms.load(Ordering::Relaxed) {
            metrics::counter!("cache_errors_total", "command" => what).increment(1);
            return None;
        }
        let Some(conn) = self.connection().await else {
            crate::metrics::record_cache_backend("redis", false);
            return None;
        };
        let result = tokio::time::timeout(REDIS_OP_TIMEOUT, op(conn)).await;
        let answered = matches!(result, Ok(Ok(_)));
        crate::metrics::record_cache_backend("redis", answered);
        if !answered {
            self.down_until_ms.store(
                now_ms() + REDIS_RETRY_EVERY.as_millis() as u64,
                Ordering::Relaxed,
            );
        }
        match result {
            Ok(Ok(value)) => Some(value),
            Ok(Err(err)) => {
                tracing::warn!(command = what, error = %err, "Redis command failed");
                metrics::counter!("cache_errors_total", "command" => what).increment(1);
                None
            }
            Err(_) => {
                tracing::warn!(command = what, "Redis command timed out");
                metrics::counter!("cache_errors_total", "command" => what).increment(1);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_redis_that_stopped_answering_costs_one_timeout_not_one_per_command() {
        // Like a Redis that hangs.
        let addr = crate::test_support::silent_server().await;
        let cache = Cache::redis("t", &format!("redis://{addr}")).unwrap();
        let _ = cache.get("first").await;
        let started = Instant::now();
        for i in 0..8 {
            assert_eq!(cache.get(&format!("k{i}")).await, None);
            assert_eq!(
                cache.try_set("k", "v", Duration::from_secs(1)).await,
                Err(CacheUnavailable)
            );
        }
        assert!(
            started.elapsed() < REDIS_OP_TIMEOUT,
            "misses at once while it is known to be down: {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn bucket_allows_burst_then_refills() {
        let mut b = Bucket::full(2);
        let t0 = Instant::now();
        assert!(b.take(1.0, 2, t0).allowed);
        assert!(b.take(1.0, 2, t0).allowed);
        let denied = b.take(1.0, 2, t0);
        assert!(!denied.allowed);
        assert!(denied.retry_after > Duration::from_millis(900));
        assert!(b.take(1.0, 2, t0 + Duration::from_millis(1100)).allowed);
    }

    #[tokio::test]
    async fn in_process_cache_round_trips_and_expires() {
        let cache = Cache::in_process("t");
        cache.set("k", "v", Duration::from_millis(50)).await;
        assert_eq!(cache.get("k").await.as_deref(), Some("v"));
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(cache.get("k").await, None);
    }

    #[tokio::test]
    async fn get_many_answers_in_the_order_asked() {
        let cache = Cache::in_process("t");
        cache.set("a", "1", Duration::from_secs(5)).await;
        cache.set("c", "3", Duration::from_secs(5)).await;
        assert_eq!(
            cache.get_many(&["c", "b", "a"]).await,
            [Some("3".to_string()), None, Some("1".to_string())]
        );
        assert!(cache.get_many(&[]).await.is_empty());
    }

    #[tokio::test]
    async fn unreachable_redis_is_a_fast_miss() {
        let cache = Cache::redis("t", "redis://127.0.0.1:1").unwrap();
        let started = Instant::now();
        assert_eq!(cache.get_many(&["k", "l"]).await, [None, None]);
        assert_eq!(cache.get("k").await, None);
        cache.set("k", "v", Duration::from_secs(1)).await;
        assert!(cache.take_token("x", 1.0, 1).await.allowed);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
