//! In-memory fakes of catalog and payment for unit tests: they record every call (in one
//! shared log, so tests can assert the order of calls across both) and answer from a script,
//! falling back to the happy answer when the script for a method runs dry.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use wayfare_catalog_api::{Catalog, CommitResult, Product, ReservationLine, ReserveResult};
use wayfare_chassis::client::ClientError;
use wayfare_payment_api::{
    ChargeRequest, ChargeResult, PaymentStatus, PaymentView, Payments, RefundView,
};

/// One call a fake saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Product(String),
    Products(Vec<String>),
    Reserve {
        order_id: String,
        items: Vec<ReservationLine>,
        ttl_seconds: u64,
    },
    Commit(String),
    Release(String),
    Charge {
        key: String,
        body: serde_json::Value,
    },
    Lookup(String),
    Void(String),
    Refund {
        key: String,
        payment_id: String,
    },
}

pub type Calls = Arc<Mutex<Vec<Call>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The errors a client reports, as a test scripts them.
pub fn timeout(upstream: &'static str) -> ClientError {
    ClientError::Timeout {
        upstream,
        timeout_ms: 3000,
    }
}

pub fn unreachable(upstream: &'static str) -> ClientError {
    ClientError::Unreachable {
        upstream,
        reason: "connection refused".into(),
    }
}

/// An answer with a problem+json body carrying `code`.
pub fn status(upstream: &'static str, status: u16, code: &str) -> ClientError {
    ClientError::Status {
        upstream,
        status,
        body: serde_json::json!({
            "type": "about:blank", "title": "x", "status": status, "code": code, "detail": code
        })
        .to_string(),
    }
}

#[derive(Default)]
pub struct FakeCatalog {
    pub calls: Calls,
    pub products: Mutex<HashMap<String, Product>>,
    pub reserve: Mutex<VecDeque<Result<ReserveResult, ClientError>>>,
    pub commit: Mutex<VecDeque<Result<CommitResult, ClientError>>>,
    pub release: Mutex<VecDeque<Result<(), ClientError>>>,
}

impl FakeCatalog {
    pub fn new(calls: Calls) -> Self {
        Self {
            calls,
            ..Self::default()
        }
    }

    pub fn script_reserve(&self, answer: Result<ReserveResult, ClientError>) {
        lock(&self.reserve).push_back(answer);
    }

    pub fn script_commit(&self, answer: Result<CommitResult, ClientError>) {
        lock(&self.commit).push_back(answer);
    }

    pub fn script_release(&self, answer: Result<(), ClientError>) {
        lock(&self.release).push_back(answer);
    }

    pub fn add_product(&self, product: Product) {
        lock(&self.products).insert(product.id.clone(), product);
    }

    fn record(&self, call: Call) {
        lock(&self.calls).push(call);
    }
}

impl Catalog for FakeCatalog {
    fn product<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Product>, ClientError>> {
        self.record(Call::Product(id.to_string()));
        let found = lock(&self.products).get(id).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn products<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Product>, ClientError>> {
        self.record(Call::Products(ids.to_vec()));
        let products = lock(&self.products);
        let found = ids
            .iter()
            .filter_map(|id| products.get(id).map(|p| (id.clone(), p.clone())))
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn reserve<'a>(
        &'a self,
        order_id: &'a str,
        items: &'a [ReservationLine],
        ttl_seconds: u64,
    ) -> BoxFuture<'a, Result<ReserveResult, ClientError>> {
        self.record(Call::Reserve {
            order_id: order_id.to_string(),
            items: items.to_vec(),
            ttl_seconds,
        });
        let answer = lock(&self.reserve)
            .pop_front()
            .unwrap_or(Ok(ReserveResult::Reserved));
        Box::pin(async move { answer })
    }

    fn commit<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Result<CommitResult, ClientError>> {
        self.record(Call::Commit(order_id.to_string()));
        let answer = lock(&self.commit)
            .pop_front()
            .unwrap_or(Ok(CommitResult::Committed));
        Box::pin(async move { answer })
    }

    fn release<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        self.record(Call::Release(order_id.to_string()));
        let answer = lock(&self.release).pop_front().unwrap_or(Ok(()));
        Box::pin(async move { answer })
    }
}

/// A payment as payment would show it.
pub fn payment_view(
    order_id: &str,
    status: PaymentStatus,
    failure_code: Option<&str>,
) -> PaymentView {
    PaymentView {
        id: format!("pay-{order_id}"),
        order_id: order_id.to_string(),
        amount: 1,
        currency: "USD".into(),
        payment_method: "pm_card_ok".into(),
        status,
        failure_code: failure_code.map(str::to_string),
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

/// Unscripted, a charge succeeds, a lookup finds nothing, a void answers `voided` and a
/// refund goes through.
#[derive(Default)]
pub struct FakePayments {
    pub calls: Calls,
    pub charge: Mutex<VecDeque<Result<ChargeResult, ClientError>>>,
    pub lookup: Mutex<VecDeque<Result<Option<PaymentView>, ClientError>>>,
    pub void: Mutex<VecDeque<Result<PaymentView, ClientError>>>,
    pub refund: Mutex<VecDeque<Result<RefundView, ClientError>>>,
}

impl FakePayments {
    pub fn new(calls: Calls) -> Self {
        Self {
            calls,
            ..Self::default()
        }
    }

    pub fn script_charge(&self, answer: Result<ChargeResult, ClientError>) {
        lock(&self.charge).push_back(answer);
    }

    pub fn script_lookup(&self, answer: Result<Option<PaymentView>, ClientError>) {
        lock(&self.lookup).push_back(answer);
    }

    pub fn script_void(&self, answer: Result<PaymentView, ClientError>) {
        lock(&self.void).push_back(answer);
    }

    pub fn script_refund(&self, answer: Result<RefundView, ClientError>) {
        lock(&self.refund).push_back(answer);
    }

    fn record(&self, call: Call) {
        lock(&self.calls).push(call);
    }
}

impl Payments for FakePayments {
    fn charge<'a>(
        &'a self,
        key: &'a str,
        request: &'a ChargeRequest,
    ) -> BoxFuture<'a, Result<ChargeResult, ClientError>> {
        self.record(Call::Charge {
            key: key.to_string(),
            body: serde_json::to_value(request).expect("a charge request serializes"),
        });
        let answer = lock(&self.charge).pop_front().unwrap_or_else(|| {
            Ok(ChargeResult::Done(payment_view(
                &request.order_id,
                PaymentStatus::Succeeded,
                None,
            )))
        });
        Box::pin(async move { answer })
    }

    fn lookup<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<PaymentView>, ClientError>> {
        self.record(Call::Lookup(key.to_string()));
        let answer = lock(&self.lookup).pop_front().unwrap_or(Ok(None));
        Box::pin(async move { answer })
    }

    fn void<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<PaymentView, ClientError>> {
        self.record(Call::Void(key.to_string()));
        let answer = lock(&self.void)
            .pop_front()
            .unwrap_or_else(|| Ok(payment_view(key, PaymentStatus::Voided, None)));
        Box::pin(async move { answer })
    }

    fn refund<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>> {
        self.record(Call::Refund {
            key: key.to_string(),
            payment_id: payment_id.to_string(),
        });
        let answer = lock(&self.refund).pop_front().unwrap_or_else(|| {
            Ok(RefundView {
                id: format!("refund-of-{payment_id}"),
                payment_id: payment_id.to_string(),
                amount: 1,
            })
        });
        Box::pin(async move { answer })
    }
}

/// A saga over the fakes and an embedded SQLite database in a temporary directory.
pub struct Harness {
    pub saga: Arc<crate::domain::saga::Saga>,
    pub catalog: Arc<FakeCatalog>,
    pub payment: Arc<FakePayments>,
    pub calls: Calls,
    pub db: wayfare_chassis::db::Db,
    pub carts: crate::domain::cart::CartStore,
    _dir: tempfile::TempDir,
}

pub const RESERVATION_TTL_SECONDS: u64 = 900;

impl Harness {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/order.db?mode=rwc", dir.path().display());
        let db =
            wayfare_chassis::db::Db::connect(crate::NAME, &url, std::time::Duration::from_secs(5))
                .await
                .expect("the embedded database opens");
        db.migrate(crate::migrations::MIGRATIONS)
            .await
            .expect("order's migrations run");
        let calls = Calls::default();
        let catalog = Arc::new(FakeCatalog::new(calls.clone()));
        let payment = Arc::new(FakePayments::new(calls.clone()));
        let carts = crate::domain::cart::CartStore::new(
            wayfare_chassis::cache::Cache::in_process("order-test"),
            std::time::Duration::from_secs(60),
        );
        let saga = Arc::new(crate::domain::saga::Saga {
            db: db.clone(),
            catalog: catalog.clone(),
            payment: payment.clone(),
            carts: carts.clone(),
            reservation_ttl_seconds: RESERVATION_TTL_SECONDS,
            fault: None,
        });
        Self {
            saga,
            catalog,
            payment,
            calls,
            db,
            carts,
            _dir: dir,
        }
    }

    /// Every call the fakes saw, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.calls).clone()
    }
}
