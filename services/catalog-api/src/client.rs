//! The typed client for catalog, used by services that show or reserve products: the
//! [`Catalog`] trait (what callers hold, so they can be tested against a fake) and its HTTP
//! implementation [`CatalogClient`]. Reservation calls must be made with a client carrying the
//! caller's service identity.

use std::collections::HashMap;

use futures::future::BoxFuture;
use http::Method;
use wayfare_chassis::client::{ClientError, Outbound, ServiceClient};

use crate::{Product, ReservationLine, ReserveRequest};

/// What callers need from catalog.
///
/// The methods return a [`BoxFuture`] rather than being `async fn`s: a trait with `async fn`
/// is not object-safe, and callers hold an `Arc<dyn Catalog>` (the HTTP client in every mode,
/// an in-memory fake in unit tests). Boxing by hand keeps that without a proc-macro
/// dependency (`async_trait` would generate the same thing), and matches payment's
/// `PaymentProvider`.
pub trait Catalog: Send + Sync {
    /// The product, or `None` when it does not exist or is not for sale.
    fn product<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Product>, ClientError>>;

    /// The products among `ids` that are for sale, by id.
    fn products<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Product>, ClientError>>;

    /// Holds stock for an order (idempotent per order id) for `ttl_seconds`.
    fn reserve<'a>(
        &'a self,
        order_id: &'a str,
        items: &'a [ReservationLine],
        ttl_seconds: u64,
    ) -> BoxFuture<'a, Result<ReserveResult, ClientError>>;

    /// Makes the order's hold a sale.
    fn commit<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Result<CommitResult, ClientError>>;

    /// Returns the order's units to stock (idempotent; fine when nothing was reserved).
    fn release<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Result<(), ClientError>>;
}

/// Reads go through `public` (no service credentials: a customer's input that reaches a URL
/// can never borrow the caller's identity), reservations through `http` (signed).
#[derive(Clone)]
pub struct CatalogClient {
    http: ServiceClient,
    public: ServiceClient,
}

/// Most products one batched lookup asks for.
pub const MAX_BATCH: usize = 100;

/// What a reservation request came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ReserveResult {
    Reserved,
    OutOfStock,
    /// The order's earlier reservation was released (expired or compensated).
    Released,
    /// A line names an unknown or inactive product, or is otherwise invalid.
    Rejected(String),
}

/// What committing a reservation came to.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitResult {
    Committed,
    Released,
    NotFound,
}

impl CatalogClient {
    /// `internal` signs reservation calls; `public` (without identity) makes the reads.
    pub fn new(internal: ServiceClient, public: ServiceClient) -> Self {
        Self {
            http: internal,
            public,
        }
    }

    /// The product, or `None` when it does not exist or is not for sale.
    pub async fn product(&self, id: &str) -> Result<Option<Product>, ClientError> {
        let path = wayfare_chassis::client::path(&["api", "catalog", "products", id]);
        match self.public.get_json(&path).await {
            Ok(product) => Ok(Some(product)),
            Err(ClientError::Status { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The products among `ids` that are for sale, by id, in one call per [`MAX_BATCH`] ids.
    pub async fn products(&self, ids: &[String]) -> Result<HashMap<String, Product>, ClientError> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(MAX_BATCH) {
            let joined = chunk.join(",");
            let query: String = url_query_value(&joined);
            let page: wayfare_chassis::Page<Product> = self
                .public
                .get_json(&format!("/api/catalog/products?ids={query}"))
                .await?;
            found.extend(page.items.into_iter().map(|p| (p.id.clone(), p)));
        }
        Ok(found)
    }

    pub async fn reserve(
        &self,
        order_id: &str,
        items: &[ReservationLine],
        ttl_seconds: u64,
    ) -> Result<ReserveResult, ClientError> {
        let body = ReserveRequest {
            order_id: order_id.to_string(),
            items: items.to_vec(),
            ttl_seconds: Some(ttl_seconds),
        };
        // Reserving is idempotent per order id, so the client may retry it.
        let mut request = Outbound::json(Method::POST, "/internal/reservations", &body);
        request.headers.insert(
            "idempotency-key",
            http::HeaderValue::from_str(order_id).map_err(|e| decode(&self.http, e))?,
        );
        let response = self.http.send(request).await?;
        match self.http.read_json::<serde_json::Value>(response).await {
            Ok(_) => Ok(ReserveResult::Reserved),
            Err(ClientError::Status {
                status: 409, body, ..
            }) => Ok(
                match wayfare_chassis::client::problem_code(&body).as_deref() {
                    Some("out_of_stock") => ReserveResult::OutOfStock,
                    _ => ReserveResult::Released,
                },
            ),
            Err(ClientError::Status {
                status: 422, body, ..
            }) => Ok(ReserveResult::Rejected(
                wayfare_chassis::client::problem_detail(&body),
            )),
            Err(err) => Err(err),
        }
    }

    pub async fn commit(&self, order_id: &str) -> Result<CommitResult, ClientError> {
        let response = self
            .http
            .send(idempotent_post(
                &wayfare_chassis::client::path(&["internal", "reservations", order_id, "commit"]),
                order_id,
            ))
            .await?;
        match self.http.read_json::<serde_json::Value>(response).await {
            Ok(_) => Ok(CommitResult::Committed),
            Err(ClientError::Status { status: 409, .. }) => Ok(CommitResult::Released),
            Err(ClientError::Status { status: 404, .. }) => Ok(CommitResult::NotFound),
            Err(err) => Err(err),
        }
    }

    /// Returns the order's units to stock (idempotent; fine when nothing was reserved).
    pub async fn release(&self, order_id: &str) -> Result<(), ClientError> {
        let response = self
            .http
            .send(idempotent_post(
                &wayfare_chassis::client::path(&["internal", "reservations", order_id, "release"]),
                order_id,
            ))
            .await?;
        self.http
            .read_json::<serde_json::Value>(response)
            .await
            .map(|_| ())
    }
}

impl Catalog for CatalogClient {
    fn product<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Product>, ClientError>> {
        Box::pin(CatalogClient::product(self, id))
    }

    fn products<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Product>, ClientError>> {
        Box::pin(CatalogClient::products(self, ids))
    }

    fn reserve<'a>(
        &'a self,
        order_id: &'a str,
        items: &'a [ReservationLine],
        ttl_seconds: u64,
    ) -> BoxFuture<'a, Result<ReserveResult, ClientError>> {
        Box::pin(CatalogClient::reserve(self, order_id, items, ttl_seconds))
    }

    fn commit<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Result<CommitResult, ClientError>> {
        Box::pin(CatalogClient::commit(self, order_id))
    }

    fn release<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(CatalogClient::release(self, order_id))
    }
}

fn url_query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn idempotent_post(path: &str, key: &str) -> Outbound {
    let mut request = Outbound::json(Method::POST, path, &serde_json::json!({}));
    if let Ok(value) = http::HeaderValue::from_str(key) {
        request.headers.insert("idempotency-key", value);
    }
    request
}

fn decode(http: &ServiceClient, err: impl std::fmt::Display) -> ClientError {
    ClientError::Decode {
        upstream: http.upstream(),
        reason: err.to_string(),
    }
}
