//! `/internal/charges` and `/internal/refunds`: Stripe-like idempotency. The first result for
//! a key is stored and replayed; the same key with other parameters is a 409; concurrent
//! requests with one key produce one provider call (the unique key decides who makes it, the
//! others wait for its result).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use wayfare_chassis::idempotency::{key_from_headers as idempotency_key, sha256_hex};
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::worker::poll_until;

use crate::error::PaymentError;
use wayfare_chassis::{ApiError, Json};

use super::{PaymentState, PaymentView};
use crate::domain::{simulated, PaymentStatus, ProviderCharge, ProviderOutcome};
use crate::store::{self, NewCharge, Payment};

/// Who may call payment's internal API.
pub const ALLOWED_CALLERS: &[&str] = &["order", "booking", "admin"];

pub fn router(state: PaymentState) -> Router {
    Router::new()
        .route("/internal/charges", post(charge))
        .route("/internal/charges/{key}", get(show_charge))
        .route("/internal/charges/{key}/void", post(void_charge))
        .route("/internal/refunds", post(refund))
        .with_state(state)
}

/// The wire types live in payment's contract crate.
pub use wayfare_payment_api::{ChargeRequest, RefundRequest, RefundView};

/// The fingerprint of a charge request: the same key with another fingerprint is a 409.
fn request_hash(body: &ChargeRequest) -> String {
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}",
        body.user_id, body.order_id, body.amount, body.currency, body.payment_method
    );
    sha256_hex(canonical.as_bytes())
}

#[tracing::instrument(skip_all, fields(caller = %caller.0, order_id = %body.order_id))]
async fn charge(
    State(state): State<PaymentState>,
    caller: ServiceCaller,
    headers: HeaderMap,
    Json(body): Json<ChargeRequest>,
) -> Result<Json<PaymentView>, ApiError> {
    let key = idempotency_key(&headers)?;
    if body.amount <= 0 {
        return Err(ApiError::validation("amount", "must be positive"));
    }
    if !wayfare_chassis::money::is_currency(&body.currency) {
        return Err(ApiError::validation("currency", "must be an ISO 4217 code"));
    }
    if !simulated::is_known_method(&body.payment_method) {
        return Err(ApiError::validation(
            "payment_method",
            "unknown payment method",
        ));
    }
    let new = NewCharge {
        idempotency_key: key.clone(),
        request_hash: request_hash(&body),
        user_id: body.user_id.clone(),
        order_id: body.order_id.clone(),
        amount: body.amount,
        currency: body.currency.clone(),
        method: body.payment_method.clone(),
    };
    let payment = match store::insert_processing(&state.db, &new).await? {
        Some(payment) => process(&state, payment).await?,
        None => replay(&state, &key, &new.request_hash).await?,
    };
    Ok(Json(PaymentView::from(&payment)))
}

/// Calls the provider for a fresh `processing` payment and records the answer.
async fn process(state: &PaymentState, payment: Payment) -> Result<Payment, ApiError> {
    let request = ProviderCharge {
        idempotency_key: payment.idempotency_key.clone(),
        amount: payment.amount,
        currency: payment.currency.clone(),
        method: payment.method.clone(),
    };
    let answer = tokio::time::timeout(
        state.config.provider_timeout,
        state.provider.charge(request),
    )
    .await;
    let (status, code, reference) = match answer {
        Ok(Ok(ProviderOutcome::Approved { reference })) => {
            (PaymentStatus::Succeeded, None, Some(reference))
        }
        Ok(Ok(ProviderOutcome::Declined { code })) => (PaymentStatus::Declined, Some(code), None),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "payment provider failed");
            (PaymentStatus::Failed, Some("provider_error"), None)
        }
        // No answer is not a "no": the charge may have gone through. The payment stays
        // `processing` (the caller's order stays pending), and the sweeper asks the provider
        // (`lookup`) once the request is stale.
        Err(_) => {
            tracing::warn!(payment_id = %payment.id, "payment provider did not answer; left processing");
            return Ok(payment);
        }
    };
    store::finish(&state.db, &payment.id, status, code, reference.as_deref()).await?;
    metrics::counter!("payment_charges_total", "status" => status.as_str()).increment(1);
    if status == PaymentStatus::Succeeded {
        metrics::counter!("payment_charged_minor_units_total", "currency" => payment.currency.clone())
            .increment(payment.amount.max(0) as u64);
    }
    let stored = store::find_by_id(&state.db, &payment.id).await?;
    stored.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("payment {} vanished", payment.id)))
}

/// A request whose key exists already: the stored result, once there is one.
async fn replay(state: &PaymentState, key: &str, request_hash: &str) -> Result<Payment, ApiError> {
    let settled = poll_until(state.config.duplicate_wait, || async {
        let existing = store::find_by_key(&state.db, key)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("idempotency key {key} vanished")))?;
        if existing.status == PaymentStatus::Voided {
            return Err(ApiError::from(PaymentError::ChargeVoided));
        }
        if existing.request_hash != request_hash {
            return Err(ApiError::from(PaymentError::KeyReused));
        }
        Ok((existing.status != PaymentStatus::Processing).then_some(existing))
    })
    .await?;
    match settled {
        Some(existing) => {
            metrics::counter!("payment_idempotent_replays_total").increment(1);
            Ok(existing)
        }
        None => Err(ApiError::from(PaymentError::ChargeInProgress)),
    }
}

/// What happened to a charge key (the reconciler's question).
async fn show_charge(
    State(state): State<PaymentState>,
    _caller: ServiceCaller,
    Path(key): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    store::find_by_key(&state.db, &key)
        .await?
        .map(|p| Json(PaymentView::from(&p)))
        .ok_or_else(|| ApiError::NotFound(format!("no charge with key {key}")))
}

/// Fences a key that has not charged, so it never will; answers with whatever the key holds.
#[tracing::instrument(skip_all, fields(caller = %caller.0, key = %key))]
async fn void_charge(
    State(state): State<PaymentState>,
    caller: ServiceCaller,
    Path(key): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    if let Some(voided) = store::insert_voided(&state.db, &key).await? {
        tracing::info!("charge key voided");
        return Ok(Json(PaymentView::from(&voided)));
    }
    let existing = store::find_by_key(&state.db, &key)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("idempotency key {key} vanished")))?;
    Ok(Json(PaymentView::from(&existing)))
}

/// Refunds a succeeded payment in full, once. The same key replays; another key for an already
/// refunded payment is a 409.
#[tracing::instrument(skip_all, fields(caller = %caller.0, payment_id = %body.payment_id))]
async fn refund(
    State(state): State<PaymentState>,
    caller: ServiceCaller,
    headers: HeaderMap,
    Json(body): Json<RefundRequest>,
) -> Result<Json<RefundView>, ApiError> {
    let key = idempotency_key(&headers)?;
    let view = |r: store::Refund| {
        Json(RefundView {
            id: r.id,
            payment_id: r.payment_id,
            amount: r.amount,
        })
    };
    if let Some(existing) = store::find_refund_by_key(&state.db, &key).await? {
        if existing.payment_id != body.payment_id {
            return Err(ApiError::from(PaymentError::KeyReused));
        }
        return Ok(view(existing));
    }
    let payment = store::find_by_id(&state.db, &body.payment_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no payment {}", body.payment_id)))?;
    // A partial refund (booking's fare rules) gives back part of the payment; either way a
    // payment is refunded at most once.
    let amount = match body.amount {
        None => payment.amount,
        Some(a) if a > 0 && a <= payment.amount => a,
        Some(_) => {
            return Err(ApiError::validation(
                "amount",
                "must be positive and at most the payment's amount",
            ))
        }
    };
    match payment.status {
        PaymentStatus::Succeeded => {}
        PaymentStatus::Refunded => return Err(ApiError::from(PaymentError::AlreadyRefunded)),
        _ => return Err(ApiError::from(PaymentError::NotRefundable)),
    }
    // Only one request at a time reaches the provider for a payment; the others wait for
    // its outcome and replay it (same key) or learn it is refunded (another key).
    let stale_before =
        wayfare_chassis::db::now_ms() - state.config.provider_timeout.as_millis() as i64 * 2;
    if !store::start_refund(&state.db, &payment.id, stale_before).await? {
        return wait_for_refund(&state, &key, &payment.id).await.map(view);
    }
    let reference = payment.provider_ref.clone().unwrap_or_default();
    let answer = tokio::time::timeout(
        state.config.provider_timeout,
        state.provider.refund(&reference, amount),
    )
    .await;
    let provider_ref = match answer {
        Ok(Ok(provider_ref)) => provider_ref,
        Ok(Err(err)) => {
            store::abandon_refund(&state.db, &payment.id).await?;
            return Err(ApiError::BadGateway(err.to_string()));
        }
        // Unknown outcome: stay `refunding`; a retry after the stale window takes over.
        Err(_) => {
            return Err(ApiError::GatewayTimeout(
                "the payment provider did not answer".into(),
            ))
        }
    };
    match store::record_refund(&state.db, &payment, &key, &provider_ref, amount).await? {
        Some(refund) => {
            metrics::counter!("payment_refunds_total").increment(1);
            metrics::counter!("payment_refunded_minor_units_total", "currency" => payment.currency.clone())
                .increment(refund.amount.max(0) as u64);
            Ok(view(refund))
        }
        None => Err(ApiError::from(PaymentError::AlreadyRefunded)),
    }
}

/// A concurrent refund of the same payment is running: its answer, once there is one.
async fn wait_for_refund(
    state: &PaymentState,
    key: &str,
    payment_id: &str,
) -> Result<store::Refund, ApiError> {
    let outcome = poll_until(state.config.duplicate_wait, || async {
        if let Some(existing) = store::find_refund_by_key(&state.db, key).await? {
            return Ok(Some(existing));
        }
        let status = store::find_by_id(&state.db, payment_id)
            .await?
            .map(|p| p.status);
        if status == Some(PaymentStatus::Refunded) {
            return Err(ApiError::from(PaymentError::AlreadyRefunded));
        }
        Ok(None)
    })
    .await?;
    outcome.ok_or_else(|| ApiError::from(PaymentError::RefundInProgress))
}
