//! A payment provider over HTTP: a PSP with a Stripe-like API, selected by
//! `[payment] provider_url` (`WAYFARE_PAYMENT_PROVIDER_URL`). The drills run a simulator of it
//! (`tests/drills/psp.py`) that understands the same test payment methods as the built-in
//! simulated provider.
//!
//! | call | request | answer |
//! |---|---|---|
//! | charge | `POST {base}/v1/charges`, `Idempotency-Key: <key>`, `{"amount","currency","payment_method"}` | 200 `{"id","status","code"}`: `succeeded`, `declined` (`card_declined`, `insufficient_funds`) or `failed`; 409 the key was used with another charge |
//! | lookup | `GET {base}/v1/charges/{key}` | 200 as above; 404 the provider never saw the key |
//! | refund | `POST {base}/v1/refunds`, `Idempotency-Key: refund-<charge id>`, `{"charge","amount"}` | 200 `{"id"}` |
//!
//! The provider keeps the first answer per key (same key, same answer), so a charge whose
//! outcome is unknown — no answer, a connection cut after the request went out, a 5xx or a
//! 429 — is sent again with the same key until it gets a definite answer; the caller's
//! deadline (`provider_timeout_ms`) bounds that, and a charge still unanswered then stays
//! `processing` for the settler, which asks `lookup`. Only a definite answer fails a charge:
//! `failed` (the provider refused to process it) or a 4xx other than 429.

use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::{PaymentProvider, ProviderCharge, ProviderError, ProviderOutcome};

/// First pause between two attempts of a call whose outcome is unknown; doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

pub struct HttpProvider {
    http: reqwest::Client,
    base: Url,
}

/// A charge as the provider reports it.
#[derive(Debug, Deserialize)]
struct ChargeBody {
    #[serde(default)]
    id: Option<String>,
    status: String,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RefundBody {
    id: String,
}

/// One attempt's result: a definite answer, or an outcome nobody knows (try again).
enum Attempt<T> {
    Done(Result<T, ProviderError>),
    Unknown(String),
}

impl HttpProvider {
    /// `base_url` is the provider's root (`http://psp.example/`); `attempt_timeout` bounds one
    /// HTTP exchange (lookups make one).
    pub fn new(base_url: &str, attempt_timeout: Duration) -> Result<Self, ProviderError> {
        let base = Url::parse(base_url)
            .map_err(|e| ProviderError(format!("provider URL {base_url}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ProviderError(format!(
                "provider URL {base_url}: must be an http(s) URL"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(attempt_timeout)
            .connect_timeout(attempt_timeout.min(Duration::from_secs(2)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProviderError(format!("provider client: {e}")))?;
        Ok(Self { http, base })
    }

    /// The provider's URL for these path segments (each one encoded).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("checked in new: http(s) URLs have paths")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// Repeats `attempt` (same key, so the provider answers once) until its outcome is known.
    /// Unbounded on its own: the caller's deadline stops it.
    async fn until_known<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Attempt<T>>,
    {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match attempt().await {
                Attempt::Done(result) => return result,
                Attempt::Unknown(why) => {
                    tracing::warn!(call = what, error = %why, "payment provider outcome unknown; retrying with the same key");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    async fn charge_once(&self, charge: &ProviderCharge) -> Attempt<ProviderOutcome> {
        let sent = self
            .http
            .post(self.url(&["v1", "charges"]))
            .header("idempotency-key", &charge.idempotency_key)
            .json(&serde_json::json!({
                "amount": charge.amount,
                "currency": charge.currency,
                "payment_method": charge.method,
            }))
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            // It may have reached the provider before the connection failed.
            Err(err) => return Attempt::Unknown(err.to_string()),
        };
        let status = response.status();
        if is_unknown(status) {
            return Attempt::Unknown(format!("provider answered {status}"));
        }
        if !status.is_success() {
            return Attempt::Done(Err(ProviderError(format!(
                "provider refused the charge: {status}"
            ))));
        }
        match response.json::<ChargeBody>().await {
            Ok(body) => match outcome(body) {
                Ok(Some(outcome)) => Attempt::Done(Ok(outcome)),
                Ok(None) => Attempt::Done(Err(ProviderError(
                    "provider failed to process the charge".into(),
                ))),
                // `processing`: the provider has it but no answer yet.
                Err(err) => Attempt::Unknown(err.0),
            },
            Err(err) => Attempt::Unknown(format!("unreadable provider answer: {err}")),
        }
    }

    async fn refund_once(&self, reference: &str, amount: i64) -> Attempt<String> {
        let sent = self
            .http
            .post(self.url(&["v1", "refunds"]))
            .header("idempotency-key", format!("refund-{reference}"))
            .json(&serde_json::json!({"charge": reference, "amount": amount}))
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => return Attempt::Unknown(err.to_string()),
        };
        let status = response.status();
        if is_unknown(status) {
            return Attempt::Unknown(format!("provider answered {status}"));
        }
        if !status.is_success() {
            return Attempt::Done(Err(ProviderError(format!(
                "provider refused the refund: {status}"
            ))));
        }
        match response.json::<RefundBody>().await {
            Ok(body) => Attempt::Done(Ok(body.id)),
            Err(err) => Attempt::Unknown(format!("unreadable provider answer: {err}")),
        }
    }
}

/// Statuses after which nobody knows whether the provider acted: ask again, same key.
fn is_unknown(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// A reported charge: its outcome, `None` when the provider did not charge (`failed`), an
/// error while it is still `processing` (or says something this client does not know).
fn outcome(body: ChargeBody) -> Result<Option<ProviderOutcome>, ProviderError> {
    match body.status.as_str() {
        "succeeded" => {
            let reference = body
                .id
                .filter(|id| !id.is_empty())
                .ok_or_else(|| ProviderError("provider approved a charge without an id".into()))?;
            Ok(Some(ProviderOutcome::Approved { reference }))
        }
        "declined" => Ok(Some(ProviderOutcome::Declined {
            code: match body.code.as_deref() {
                Some("insufficient_funds") => "insufficient_funds",
                _ => "card_declined",
            },
        })),
        "failed" => Ok(None),
        other => Err(ProviderError(format!(
            "provider reports the charge {other}"
        ))),
    }
}

impl PaymentProvider for HttpProvider {
    fn charge(
        &self,
        charge: ProviderCharge,
    ) -> BoxFuture<'_, Result<ProviderOutcome, ProviderError>> {
        Box::pin(async move {
            self.until_known("charge", || self.charge_once(&charge))
                .await
        })
    }

    fn refund(&self, reference: &str, amount: i64) -> BoxFuture<'_, Result<String, ProviderError>> {
        let reference = reference.to_string();
        Box::pin(async move {
            self.until_known("refund", || self.refund_once(&reference, amount))
                .await
        })
    }

    /// One attempt: the settler asks again on its next round when this one fails.
    fn lookup(
        &self,
        idempotency_key: &str,
    ) -> BoxFuture<'_, Result<Option<ProviderOutcome>, ProviderError>> {
        let url = self.url(&["v1", "charges", idempotency_key]);
        Box::pin(async move {
            let response = self
                .http
                .get(url)
                .send()
                .await
                .map_err(|e| ProviderError(format!("provider lookup: {e}")))?;
            match response.status() {
                StatusCode::NOT_FOUND => Ok(None),
                status if status.is_success() => {
                    let body = response
                        .json::<ChargeBody>()
                        .await
                        .map_err(|e| ProviderError(format!("unreadable provider answer: {e}")))?;
                    outcome(body)
                }
                status => Err(ProviderError(format!("provider lookup answered {status}"))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    //! Against a small provider served by axum on a loopback port: the answers map to
    //! outcomes, unknown outcomes are retried with the same key, lookups and refunds work.

    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde_json::{json, Value};

    use super::*;

    #[derive(Default)]
    struct Psp {
        charges: Mutex<HashMap<String, Value>>,
        /// Charge requests that arrived, replays included.
        requests: AtomicUsize,
        /// The next this many charge requests answer 503 without doing anything.
        fail_next: AtomicUsize,
        refunds: AtomicUsize,
    }

    async fn charge(
        State(psp): State<Arc<Psp>>,
        headers: HeaderMap,
        Json(body): Json<Value>,
    ) -> (StatusCode, Json<Value>) {
        psp.requests.fetch_add(1, Ordering::SeqCst);
        if psp
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
        }
        let key = headers["idempotency-key"].to_str().unwrap().to_string();
        let method = body["payment_method"].as_str().unwrap_or_default();
        if method == "pm_card_timeout" {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        let mut charges = psp.charges.lock().unwrap();
        let n = charges.len();
        let answer = charges
            .entry(key)
            .or_insert_with(|| match method {
                "pm_card_ok" => json!({"id": format!("ch_{n}"), "status": "succeeded"}),
                "pm_card_insufficient_funds" => {
                    json!({"status": "declined", "code": "insufficient_funds"})
                }
                "pm_card_provider_error" => json!({"status": "failed"}),
                _ => json!({"status": "declined", "code": "card_declined"}),
            })
            .clone();
        (StatusCode::OK, Json(answer))
    }

    async fn lookup(
        State(psp): State<Arc<Psp>>,
        Path(key): Path<String>,
    ) -> (StatusCode, Json<Value>) {
        match psp.charges.lock().unwrap().get(&key) {
            Some(found) => (StatusCode::OK, Json(found.clone())),
            None => (StatusCode::NOT_FOUND, Json(json!({}))),
        }
    }

    async fn refund(State(psp): State<Arc<Psp>>, Json(body): Json<Value>) -> Json<Value> {
        psp.refunds.fetch_add(1, Ordering::SeqCst);
        Json(json!({"id": format!("re_{}", body["charge"].as_str().unwrap_or_default())}))
    }

    async fn serve() -> (Arc<Psp>, String) {
        let psp = Arc::new(Psp::default());
        let app = Router::new()
            .route("/psp/v1/charges", post(charge))
            .route("/psp/v1/charges/{key}", get(lookup))
            .route("/psp/v1/refunds", post(refund))
            .with_state(psp.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (psp, format!("http://{addr}/psp/"))
    }

    fn charge_of(key: &str, method: &str) -> ProviderCharge {
        ProviderCharge {
            idempotency_key: key.into(),
            amount: 1999,
            currency: "USD".into(),
            method: method.into(),
        }
    }

    #[tokio::test]
    async fn answers_map_to_outcomes_and_lookups_agree() {
        let (_psp, url) = serve().await;
        let provider = HttpProvider::new(&url, Duration::from_secs(2)).unwrap();
        let approved = provider
            .charge(charge_of("k/1 ?", "pm_card_ok"))
            .await
            .unwrap();
        assert!(matches!(approved, ProviderOutcome::Approved { .. }));
        // Same key, same answer (and the key is one encoded path segment).
        assert_eq!(
            provider
                .charge(charge_of("k/1 ?", "pm_card_ok"))
                .await
                .unwrap(),
            approved
        );
        assert_eq!(provider.lookup("k/1 ?").await.unwrap(), Some(approved));
        assert_eq!(
            provider
                .charge(charge_of("k2", "pm_card_insufficient_funds"))
                .await
                .unwrap(),
            ProviderOutcome::Declined {
                code: "insufficient_funds"
            }
        );
        assert_eq!(
            provider
                .charge(charge_of("k3", "pm_card_declined"))
                .await
                .unwrap(),
            ProviderOutcome::Declined {
                code: "card_declined"
            }
        );
        assert!(provider
            .charge(charge_of("k4", "pm_card_provider_error"))
            .await
            .is_err());
        assert_eq!(provider.lookup("k4").await.unwrap(), None);
        assert_eq!(provider.lookup("never-seen").await.unwrap(), None);
        assert_eq!(provider.refund("ch_0", 1999).await.unwrap(), "re_ch_0");
    }

    #[tokio::test]
    async fn unknown_outcomes_are_retried_with_the_same_key() {
        let (psp, url) = serve().await;
        psp.fail_next.store(2, Ordering::SeqCst);
        let provider = HttpProvider::new(&url, Duration::from_secs(2)).unwrap();
        let outcome = provider
            .charge(charge_of("retry", "pm_card_ok"))
            .await
            .unwrap();
        assert!(matches!(outcome, ProviderOutcome::Approved { .. }));
        assert_eq!(psp.requests.load(Ordering::SeqCst), 3);
        assert_eq!(
            psp.charges.lock().unwrap().len(),
            1,
            "one charge for one key"
        );
    }

    #[tokio::test]
    async fn a_silent_provider_is_stopped_by_the_callers_deadline() {
        let (_psp, url) = serve().await;
        let provider = HttpProvider::new(&url, Duration::from_millis(200)).unwrap();
        let answer = tokio::time::timeout(
            Duration::from_millis(700),
            provider.charge(charge_of("slow", "pm_card_timeout")),
        )
        .await;
        assert!(answer.is_err(), "still trying when the deadline passed");
        assert_eq!(provider.lookup("slow").await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_unreachable_provider_fails_lookups_and_bad_urls_are_refused() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let provider = HttpProvider::new(
            &format!("http://127.0.0.1:{port}"),
            Duration::from_millis(300),
        )
        .unwrap();
        assert!(provider.lookup("k").await.is_err());
        assert!(HttpProvider::new("ftp://psp.example", Duration::from_secs(1)).is_err());
        assert!(HttpProvider::new("not a url", Duration::from_secs(1)).is_err());
    }
}
