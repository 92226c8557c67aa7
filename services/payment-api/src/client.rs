//! The typed client for payment's internal API (charges, lookups, voids, refunds): the
//! [`Payments`] trait (what callers hold, so they can be tested against a fake) and its HTTP
//! implementation [`PaymentClient`]. Build it with the caller's service identity.

use futures::future::BoxFuture;
use http::{HeaderValue, Method};
use wayfare_chassis::client::{ClientError, Outbound, ServiceClient};

use crate::{ChargeRequest, PaymentView, RefundRequest, RefundView};

/// What callers need from payment.
///
/// The methods return a [`BoxFuture`] rather than being `async fn`s: a trait with `async fn`
/// is not object-safe, and callers hold an `Arc<dyn Payments>` (the HTTP client in every
/// mode, an in-memory fake in unit tests). Boxing by hand keeps that without a proc-macro
/// dependency (`async_trait` would generate the same thing), and matches payment's own
/// `PaymentProvider`.
pub trait Payments: Send + Sync {
    /// Charges once per `key`; repeats replay the first answer.
    fn charge<'a>(
        &'a self,
        key: &'a str,
        request: &'a ChargeRequest,
    ) -> BoxFuture<'a, Result<ChargeResult, ClientError>>;

    /// What happened to a charge key; `None` if it was never used.
    fn lookup<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<PaymentView>, ClientError>>;

    /// Makes sure a key can no longer charge; returns what the key holds now.
    fn void<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<PaymentView, ClientError>>;

    /// Refunds a payment in full; repeating with the same key is harmless.
    fn refund<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>>;

    /// Refunds `amount` of a payment (minor units); the payment is refunded once either way.
    /// The default refunds in full: implementations that can refund part override it.
    fn refund_part<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
        amount: i64,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>> {
        let _ = amount;
        self.refund(key, payment_id)
    }
}

#[derive(Clone)]
pub struct PaymentClient {
    http: ServiceClient,
}

/// What a charge request came to.
#[derive(Debug, Clone)]
pub enum ChargeResult {
    /// A final answer (succeeded, declined, failed).
    Done(PaymentView),
    /// The key was voided by a reconciler: this charge will never happen.
    Voided,
}

impl PaymentClient {
    pub fn new(http: ServiceClient) -> Self {
        Self { http }
    }

    pub async fn charge(
        &self,
        key: &str,
        request: &ChargeRequest,
    ) -> Result<ChargeResult, ClientError> {
        let mut outbound = Outbound::json(Method::POST, "/internal/charges", request);
        outbound
            .headers
            .insert("idempotency-key", header(&self.http, key)?);
        let response = self.http.send(outbound).await?;
        match self.http.read_json::<PaymentView>(response).await {
            Ok(view) => Ok(ChargeResult::Done(view)),
            Err(ClientError::Status {
                status: 409,
                ref body,
                ..
            }) if wayfare_chassis::client::problem_code(body).as_deref()
                == Some("charge_voided") =>
            {
                Ok(ChargeResult::Voided)
            }
            Err(err) => Err(err),
        }
    }

    /// What happened to a charge key; `None` if it was never used.
    pub async fn lookup(&self, key: &str) -> Result<Option<PaymentView>, ClientError> {
        match self
            .http
            .get_json(&format!("/internal/charges/{key}"))
            .await
        {
            Ok(view) => Ok(Some(view)),
            Err(ClientError::Status { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Makes sure a key can no longer charge; returns what the key holds now.
    pub async fn void(&self, key: &str) -> Result<PaymentView, ClientError> {
        let mut outbound = Outbound::json(
            Method::POST,
            format!("/internal/charges/{key}/void"),
            &serde_json::json!({}),
        );
        outbound
            .headers
            .insert("idempotency-key", header(&self.http, key)?);
        let response = self.http.send(outbound).await?;
        self.http.read_json(response).await
    }

    /// Refunds a payment in full; repeating with the same key is harmless.
    pub async fn refund(&self, key: &str, payment_id: &str) -> Result<RefundView, ClientError> {
        self.refund_amount(key, payment_id, None).await
    }

    /// Refunds `amount` of a payment (all of it when `None`); a payment is refunded once.
    pub async fn refund_amount(
        &self,
        key: &str,
        payment_id: &str,
        amount: Option<i64>,
    ) -> Result<RefundView, ClientError> {
        let body = RefundRequest {
            payment_id: payment_id.to_string(),
            amount,
        };
        let mut outbound = Outbound::json(Method::POST, "/internal/refunds", &body);
        outbound
            .headers
            .insert("idempotency-key", header(&self.http, key)?);
        let response = self.http.send(outbound).await?;
        self.http.read_json(response).await
    }
}

impl Payments for PaymentClient {
    fn charge<'a>(
        &'a self,
        key: &'a str,
        request: &'a ChargeRequest,
    ) -> BoxFuture<'a, Result<ChargeResult, ClientError>> {
        Box::pin(PaymentClient::charge(self, key, request))
    }

    fn lookup<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<PaymentView>, ClientError>> {
        Box::pin(PaymentClient::lookup(self, key))
    }

    fn void<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<PaymentView, ClientError>> {
        Box::pin(PaymentClient::void(self, key))
    }

    fn refund<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>> {
        Box::pin(PaymentClient::refund(self, key, payment_id))
    }

    fn refund_part<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
        amount: i64,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>> {
        Box::pin(PaymentClient::refund_amount(
            self,
            key,
            payment_id,
            Some(amount),
        ))
    }
}

fn header(http: &ServiceClient, key: &str) -> Result<HeaderValue, ClientError> {
    HeaderValue::from_str(key).map_err(|e| ClientError::Decode {
        upstream: http.upstream(),
        reason: e.to_string(),
    })
}
