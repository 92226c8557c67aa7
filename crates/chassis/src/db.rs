//! Relational storage shared by every service: one `sqlx::AnyPool` that speaks SQLite
//! (embedded) or MySQL/MariaDB (production) with the same repository code, plus versioned
//! per-service migrations. Both dialects use `?` placeholders; the few statements that differ
//! (DDL, upserts) are chosen by [`Dialect`].

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::health::{Availability, ReadinessCheck};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    MySql,
}

/// A service's database handle.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
    pub service: &'static str,
    /// SQLite has one writer at a time; multi-statement write transactions queue here
    /// instead of failing with "database is locked" when they upgrade from a read.
    write_lock: Arc<tokio::sync::Mutex<()>>,
    /// Whether the database answers, kept by a probe on a connection of its own (MySQL; an
    /// embedded SQLite file is always there). See [`probe_database`].
    up: Arc<tokio::sync::watch::Sender<bool>>,
}

/// One schema version; the SQL may hold several statements separated by `;` at line ends.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub mysql: &'static str,
}

/// How long a request waits for a pooled connection (all busy) before a 503. A database
/// that is down is found by the probe much sooner than this (see [`probe_database`]).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// The probe asks the database every PROBE_EVERY, giving each try PROBE_TIMEOUT, and calls
/// it down after PROBE_FAILURES tries in a row fail (a refused or reset connection fails at
/// once, so a dead database is known within about half a second; a machine too busy to
/// answer one ping in time is not an outage).
const PROBE_EVERY: Duration = Duration::from_millis(200);
const PROBE_TIMEOUT: Duration = Duration::from_millis(750);
const PROBE_FAILURES: u32 = 2;

impl Db {
    /// Connects (creating the SQLite file and its directory when embedded). Retries for up to
    /// `wait` so a pod that starts before its database does not crash-loop at once.
    pub async fn connect(service: &'static str, url: &str, wait: Duration) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::MySql
        };
        let url = if url.starts_with("mariadb:") {
            url.replacen("mariadb:", "mysql:", 1)
        } else {
            url.to_string()
        };
        if dialect == Dialect::Sqlite {
            if let Some(path) = sqlite_path(&url) {
                let path = std::path::Path::new(&path);
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    crate::ensure_private_dir(parent)?;
                }
                crate::ensure_private_file(path)?;
            }
        }
        let options: AnyConnectOptions = url.parse()?;
        let pool_options = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 8 } else { 20 })
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the one writer; busy_timeout makes
                        // concurrent writers queue instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            });
        let deadline = tokio::time::Instant::now() + wait;
        let mut delay = Duration::from_millis(200);
        loop {
            match pool_options.clone().connect_with(options.clone()).await {
                Ok(pool) => {
                    crate::metrics::register_pool(service, &pool);
                    let up = Arc::new(tokio::sync::watch::channel(true).0);
                    if dialect == Dialect::MySql {
                        tokio::spawn(probe_database(service, options, Arc::downgrade(&up)));
                    }
                    return Ok(Db {
                        pool,
                        dialect,
                        service,
                        write_lock: Arc::new(tokio::sync::Mutex::new(())),
                        up,
                    });
                }
                Err(err) if tokio::time::Instant::now() + delay < deadline => {
                    tracing::warn!(service, error = %err, "database not reachable yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(3));
                }
                Err(err) => {
                    return Err(anyhow::anyhow!(
                        "{service}: cannot connect to the database: {err}"
                    ))
                }
            }
        }
    }

    /// Applies the migrations not applied yet, in version order. On MySQL a named lock keeps
    /// replicas (and the migration Job) from applying the same version twice.
    pub async fn migrate(&self, migrations: &[Migration]) -> anyhow::Result<usize> {
        let mut conn = self.pool.acquire().await?;
        let ddl = match self.dialect {
            Dialect::Sqlite => "CREATE TABLE IF NOT EXISTS wayfare_migrations (service TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (service, version))",
            Dialect::MySql => "CREATE TABLE IF NOT EXISTS wayfare_migrations (service VARCHAR(64) NOT NULL, version BIGINT NOT NULL, name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (service, version))",
        };
        conn.execute(ddl).await?;
        let leases = match self.dialect {
            Dialect::Sqlite => "CREATE TABLE IF NOT EXISTS wayfare_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)",
            Dialect::MySql => "CREATE TABLE IF NOT EXISTS wayfare_leases (name VARCHAR(191) PRIMARY KEY, holder VARCHAR(64) NOT NULL, expires_at BIGINT NOT NULL)",
        };
        conn.execute(leases).await?;
        let lock_name = format!("wayfare_migrate_{}", self.service);
        if self.dialect == Dialect::MySql {
            let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 60)")
                .bind(&lock_name)
                .fetch_one(&mut *conn)
                .await?;
            anyhow::ensure!(
                got == Some(1),
                "could not take the migration lock {lock_name}"
            );
        }
        let result = async {
            let applied: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM wayfare_migrations WHERE service = ?")
                    .bind(self.service)
                    .fetch_all(&mut *conn)
                    .await?;
            let mut count = 0;
            for m in migrations.iter().filter(|m| !applied.contains(&m.version)) {
                let sql = match self.dialect {
                    Dialect::Sqlite => m.sqlite,
                    Dialect::MySql => m.mysql,
                };
                for statement in split_statements(sql) {
                    conn.execute(statement).await.map_err(|e| {
                        anyhow::anyhow!("{} migration {} ({}): {e}", self.service, m.version, m.name)
                    })?;
                }
                sqlx::query("INSERT INTO wayfare_migrations (service, version, name, applied_at) VALUES (?, ?, ?, ?)")
                    .bind(self.service)
                    .bind(m.version)
                    .bind(m.name)
                    .bind(now_ms())
                    .execute(&mut *conn)
                    .await?;
                tracing::info!(service = self.service, version = m.version, name = m.name, "migration applied");
                count += 1;
            }
            anyhow::Ok(count)
        }
        .await;
        if self.dialect == Dialect::MySql {
            let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
                .bind(&lock_name)
                .execute(&mut *conn)
                .await;
        }
        result
    }

    /// Runs `work` while holding the named lock `name` across every replica (MySQL's
    /// `GET_LOCK`, waiting up to a minute): for start-up work that two replicas starting at
    /// once must not both do, such as seeding. On SQLite (one process) it simply runs.
    pub async fn exclusively<T, F, Fut>(&self, name: &str, work: F) -> anyhow::Result<T>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<T>>,
    {
        if self.dialect == Dialect::Sqlite {
            return work().await;
        }
        let mut conn = self.pool.acquire().await?;
        let lock = format!("wayfare_{}_{name}", self.service);
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 60)")
            .bind(&lock)
            .fetch_one(&mut *conn)
            .await?;
        anyhow::ensure!(got == Some(1), "could not take the lock {lock}");
        let result = work().await;
        let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(&lock)
            .execute(&mut *conn)
            .await;
        result
    }

    /// Takes or renews the lease `name` for `holder` until `ttl` from now: true when `holder`
    /// holds it afterwards. A lease whose holder stopped renewing it expires and passes on, so
    /// exactly one replica runs a singleton job at a time (see `worker`).
    pub async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let until = now + ttl.as_millis() as i64;
        let renewed = sqlx::query(
            "UPDATE wayfare_leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)",
        )
        .bind(holder)
        .bind(until)
        .bind(name)
        .bind(holder)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if renewed.rows_affected() == 1 {
            return Ok(true);
        }
        match sqlx::query("INSERT INTO wayfare_leases (name, holder, expires_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(holder)
            .bind(until)
            .execute(&self.pool)
            .await
        {
            Ok(_) => Ok(true),
            // Someone else holds it (the row exists and is not expired).
            Err(err) if crate::error::is_unique_violation(&err) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Gives the lease up (on drain), so another replica takes over at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM wayfare_leases WHERE name = ? AND holder = ?")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The same pool under another service's name (services may share one database; each
    /// keeps its own migration versions).
    pub fn for_service(&self, service: &'static str) -> Db {
        Db {
            service,
            ..self.clone()
        }
    }

    /// Begins a transaction that will write. On SQLite the returned guard serialises such
    /// transactions within the process; on MySQL row locks do that and the guard is empty.
    pub async fn begin_write(
        &self,
    ) -> Result<
        (
            Option<tokio::sync::OwnedMutexGuard<()>>,
            sqlx::Transaction<'static, sqlx::Any>,
        ),
        sqlx::Error,
    > {
        let guard = match self.dialect {
            Dialect::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Dialect::MySql => None,
        };
        let tx = self.pool.begin().await?;
        Ok((guard, tx))
    }

    pub fn readiness(&self) -> Arc<dyn ReadinessCheck> {
        Arc::new(self.clone())
    }
}

impl ReadinessCheck for Db {
    fn name(&self) -> String {
        format!("{}-database", self.service)
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            if !*self.up.borrow() {
                return Err("the database does not answer its probe".to_string());
            }
            sqlx::query("SELECT 1")
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn availability(&self) -> Option<Availability> {
        (self.dialect == Dialect::MySql).then(|| Availability::new(self.up.subscribe()))
    }
}

/// Keeps `up` current for as long as the [`Db`] that owns it lives: pings the database on a
/// connection of its own (outside the pool, so a pool busy with real work is not mistaken for
/// a dead database) and reconnects when that fails. The pool itself cannot say "down" fast:
/// it retries refused connections until its acquire timeout.
async fn probe_database(
    service: &'static str,
    options: AnyConnectOptions,
    up: std::sync::Weak<tokio::sync::watch::Sender<bool>>,
) {
    use sqlx::Connection;
    let mut conn: Option<sqlx::AnyConnection> = None;
    let mut failures = 0u32;
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        let Some(up) = up.upgrade() else {
            return; // the Db is gone
        };
        let mut answered = match conn.as_mut() {
            Some(c) => matches!(
                tokio::time::timeout(PROBE_TIMEOUT, c.ping()).await,
                Ok(Ok(()))
            ),
            None => false,
        };
        if !answered {
            // A broken connection is dropped, not closed politely: the peer may be gone.
            conn = None;
            if let Ok(Ok(mut fresh)) =
                tokio::time::timeout(PROBE_TIMEOUT, sqlx::AnyConnection::connect_with(&options))
                    .await
            {
                answered = matches!(
                    tokio::time::timeout(PROBE_TIMEOUT, fresh.ping()).await,
                    Ok(Ok(()))
                );
                conn = answered.then_some(fresh);
            }
        }
        failures = if answered { 0 } else { failures + 1 };
        let now_up = failures < PROBE_FAILURES;
        up.send_if_modified(|was_up| {
            if *was_up == now_up {
                return false;
            }
            if now_up {
                tracing::info!(service, "the database answers again");
            } else {
                tracing::error!(
                    service,
                    "the database does not answer; requests that need it get 503"
                );
            }
            *was_up = now_up;
            true
        });
        metrics::gauge!("db_up", "service" => service).set(if now_up { 1.0 } else { 0.0 });
    }
}

fn split_statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n")
        .map(str::trim)
        .map(|s| s.trim_end_matches(';'))
        .filter(|s| !s.is_empty())
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// `n` bind markers for an `IN (…)` list or a `VALUES (…)` row: `?, ?, ?` (both dialects).
pub fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Milliseconds since the Unix epoch: how every table stores time (portable across dialects).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// RFC 3339 UTC for a millisecond timestamp, as the API shows times.
pub fn rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Whether an error is worth retrying the whole transaction for (MySQL deadlock or lock wait
/// timeout; SQLite busy).
pub fn is_retryable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            code == "40001"
                || code == "HY000" && db.message().contains("Deadlock")
                || db.message().contains("Lock wait timeout")
                || db.message().contains("database is locked")
                || code == "5"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn splits_statements_on_line_ends() {
        let parts: Vec<_> =
            split_statements("CREATE TABLE a (x INT);\nCREATE INDEX i ON a (x);\n").collect();
        assert_eq!(parts, ["CREATE TABLE a (x INT)", "CREATE INDEX i ON a (x)"]);
    }
}
