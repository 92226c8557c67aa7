//! Supervised background jobs: a periodic job with a cancellation token that the supervisor
//! stops on drain, its runs recorded as metrics, and (for jobs only one replica may run, such
//! as a reconciler) a lease in the service's database that elects the replica that runs it.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::db::Db;

type Job = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<usize>> + Send + Sync>;

/// A job run every `every` until the service drains.
pub struct Worker {
    pub name: &'static str,
    pub every: Duration,
    /// Set for a singleton: only the holder of this lease (in this database) runs the job.
    lease: Option<Db>,
    job: Job,
}

impl Worker {
    /// `job` returns how many items it handled (settled orders, returned holds…).
    pub fn periodic<F, Fut>(name: &'static str, every: Duration, job: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<usize>> + Send + 'static,
    {
        Self {
            name,
            every,
            lease: None,
            job: Arc::new(move || Box::pin(job())),
        }
    }

    /// Only one replica at a time runs this job: the one holding the lease named after it in
    /// `db` (renewed every run, expiring after three missed runs).
    pub fn singleton(mut self, db: Db) -> Self {
        self.lease = Some(db);
        self
    }

    /// Runs until `stop` is cancelled; a run in progress then finishes first.
    pub async fn run(self, stop: CancellationToken) {
        let holder = uuid::Uuid::new_v4().to_string();
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            if let Some(db) = &self.lease {
                match db.try_lease(self.name, &holder, self.every * 3).await {
                    Ok(true) => {}
                    Ok(false) => {
                        record(self.name, "standby", Duration::ZERO, 0);
                        continue;
                    }
                    Err(err) => {
                        tracing::warn!(worker = self.name, error = %err, "lease unavailable; skipping this run");
                        record(self.name, "error", Duration::ZERO, 0);
                        continue;
                    }
                }
            }
            let started = Instant::now();
            match (self.job)().await {
                Ok(items) => {
                    record(self.name, "ok", started.elapsed(), items);
                    metrics::gauge!("worker_last_success_timestamp_seconds", "worker" => self.name)
                        .set(crate::db::now_ms() as f64 / 1000.0);
                }
                Err(err) => {
                    tracing::warn!(worker = self.name, error = %err, "worker run failed");
                    record(self.name, "error", started.elapsed(), 0);
                }
            }
        }
        if let Some(db) = &self.lease {
            let _ = db.release_lease(self.name, &holder).await;
        }
        tracing::debug!(worker = self.name, "worker stopped");
    }
}

fn record(worker: &'static str, outcome: &'static str, took: Duration, items: usize) {
    metrics::counter!("worker_runs_total", "worker" => worker, "outcome" => outcome).increment(1);
    if outcome != "standby" {
        metrics::histogram!("worker_run_duration_seconds", "worker" => worker)
            .record(took.as_secs_f64());
    }
    if items > 0 {
        metrics::counter!("worker_items_total", "worker" => worker).increment(items as u64);
    }
}

/// Polls `probe` every 25 ms until it returns `Some` or `wait` passes (then `None`): how a
/// duplicate request waits for the first one with its idempotency key to settle.
pub async fn poll_until<T, E, F, Fut>(wait: Duration, mut probe: F) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    let deadline = Instant::now() + wait;
    loop {
        if let Some(done) = probe().await? {
            return Ok(Some(done));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_worker_runs_until_stopped() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let worker = Worker::periodic("test-worker", Duration::from_millis(10), move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(1)
            }
        });
        let stop = CancellationToken::new();
        let running = tokio::spawn(worker.run(stop.clone()));
        tokio::time::sleep(Duration::from_millis(60)).await;
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(1), running)
            .await
            .expect("stops promptly on drain")
            .unwrap();
        let seen = runs.load(Ordering::SeqCst);
        assert!(seen >= 2, "{seen}");
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(runs.load(Ordering::SeqCst), seen, "no run after stop");
    }

    #[tokio::test]
    async fn only_the_lease_holder_runs_a_singleton() {
        let dir = tempfile_dir();
        let url = format!("sqlite://{}/leases.db?mode=rwc", dir.display());
        let db = Db::connect("test", &url, Duration::from_secs(5))
            .await
            .unwrap();
        db.migrate(&[]).await.unwrap();
        assert!(db
            .try_lease("job", "a", Duration::from_secs(60))
            .await
            .unwrap());
        assert!(!db
            .try_lease("job", "b", Duration::from_secs(60))
            .await
            .unwrap());
        assert!(
            db.try_lease("job", "a", Duration::from_secs(60))
                .await
                .unwrap(),
            "renewal"
        );
        db.release_lease("job", "a").await.unwrap();
        assert!(db
            .try_lease("job", "b", Duration::from_millis(1))
            .await
            .unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            db.try_lease("job", "c", Duration::from_secs(60))
                .await
                .unwrap(),
            "expired"
        );
    }

    #[tokio::test]
    async fn poll_until_gives_up_after_the_wait() {
        let found: Result<Option<u8>, ()> =
            poll_until(Duration::from_millis(60), || async { Ok(None) }).await;
        assert_eq!(found, Ok(None));
        let mut n = 0;
        let found: Result<Option<u8>, ()> = poll_until(Duration::from_secs(1), || {
            n += 1;
            let ready = n >= 3;
            async move { Ok(ready.then_some(7)) }
        })
        .await;
        assert_eq!(found, Ok(Some(7)));
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("wayfare-worker-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
