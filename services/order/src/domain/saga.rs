//! The checkout saga and its recovery: reserve stock → charge → commit the reservation and
//! confirm, or compensate (release, refund) and fail. Every step is idempotent per order id
//! (reservation and charge keys are the order id), and every status change is conditional,
//! so the request path and the reconciler can both drive an order without double effects.
//!
//! Whenever a dependency does not answer, the order simply stays `pending`; the reconciler
//! later asks payment what happened to the order's charge key and finishes the job. An order
//! with no charge at all is fenced first (the key is voided), so a late charge can never land
//! on an order that was already wound back.

use std::sync::Arc;
use std::time::Duration;

use wayfare_catalog_api::{Catalog, CommitResult, ReservationLine, ReserveResult};
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::ApiError;
use wayfare_payment_api::{ChargeRequest, ChargeResult, PaymentStatus, PaymentView, Payments};

use super::cart::CartStore;
use super::{reason, Order, OrderStatus};
use crate::error::OrderError;
use crate::store;

pub struct Saga {
    pub db: Db,
    /// catalog's HTTP client in every mode; a fake in unit tests.
    pub catalog: Arc<dyn Catalog>,
    /// payment's HTTP client in every mode; a fake in unit tests.
    pub payment: Arc<dyn Payments>,
    pub carts: CartStore,
    pub reservation_ttl_seconds: u64,
    /// Test-only crash point (see `WAYFARE_FAULT_INJECT`).
    pub fault: Option<String>,
}

impl Saga {
    fn crash_point(&self, point: &str) {
        if self.fault.as_deref() == Some(point) {
            eprintln!("wayfare: fault injected at {point}; aborting");
            std::process::abort();
        }
    }

    /// Drives a fresh pending order as far as its dependencies allow.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn checkout(&self, order: &Order) -> Result<(), ApiError> {
        let lines: Vec<ReservationLine> = order
            .lines
            .iter()
            .map(|l| ReservationLine {
                product_id: l.product_id.clone(),
                quantity: l.quantity,
            })
            .collect();
        match self
            .catalog
            .reserve(&order.id, &lines, self.reservation_ttl_seconds)
            .await
        {
            Ok(ReserveResult::Reserved) => {}
            Ok(ReserveResult::OutOfStock) => return self.fail(order, reason::OUT_OF_STOCK).await,
            Ok(ReserveResult::Rejected(detail)) => {
                tracing::info!(detail, "reservation rejected");
                return self.fail(order, reason::PRODUCT_UNAVAILABLE).await;
            }
            Ok(ReserveResult::Released) => {
                return self.fail(order, reason::RESERVATION_EXPIRED).await
            }
            Err(err) => {
                tracing::warn!(error = %err, "reserving stock failed; the reconciler will settle the order");
                return Ok(());
            }
        }
        self.crash_point("after_reserve");

        // Nothing to charge (a free product): no payment, the sale is final.
        if order.total == 0 {
            return self.complete_free(order).await;
        }
        let request = ChargeRequest {
            user_id: order.user_id.clone(),
            order_id: order.id.clone(),
            amount: order.total,
            currency: order.currency.clone(),
            payment_method: order.payment_method.clone(),
        };
        let view = match self.payment.charge(&order.id, &request).await {
            Ok(ChargeResult::Done(view)) => view,
            Ok(ChargeResult::Voided) => {
                return self.compensate(order, reason::CHECKOUT_INTERRUPTED).await
            }
            // Payment refused the request itself (a 4xx that is not a conflict): it will
            // refuse it again, so waiting for the reconciler would only hang the order.
            Err(wayfare_chassis::client::ClientError::Status { status, body, .. })
                if (400..500).contains(&status) && status != 409 =>
            {
                tracing::warn!(status, body, "payment refused the charge request");
                return self.compensate(order, reason::PAYMENT_FAILED).await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "charging failed; the reconciler will settle the order");
                return Ok(());
            }
        };
        self.crash_point("after_charge");
        self.apply_payment(order, &view).await
    }

    /// Continues from a known payment state.
    async fn apply_payment(&self, order: &Order, view: &PaymentView) -> Result<(), ApiError> {
        match view.status {
            PaymentStatus::Succeeded => self.complete_paid(order, &view.id).await,
            PaymentStatus::Declined => {
                let why = if view.failure_code.as_deref() == Some("insufficient_funds") {
                    reason::INSUFFICIENT_FUNDS
                } else {
                    reason::PAYMENT_DECLINED
                };
                self.compensate(order, why).await
            }
            PaymentStatus::Failed => {
                let why = if view.failure_code.as_deref() == Some("provider_timeout") {
                    reason::PAYMENT_TIMEOUT
                } else {
                    reason::PAYMENT_FAILED
                };
                self.compensate(order, why).await
            }
            PaymentStatus::Voided => self.compensate(order, reason::CHECKOUT_INTERRUPTED).await,
            // A refund already happened (an earlier attempt found the hold gone).
            PaymentStatus::Refunded => self.compensate(order, reason::RESERVATION_EXPIRED).await,
            // Payment is still waiting on its provider; its own sweeper will settle it.
            PaymentStatus::Processing => Ok(()),
        }
    }

    /// Paid: make the sale final. If the hold expired meanwhile, give the money back.
    async fn complete_paid(&self, order: &Order, payment_id: &str) -> Result<(), ApiError> {
        match self.catalog.commit(&order.id).await {
            Ok(CommitResult::Committed) => self.confirm(order, Some(payment_id)).await,
            Ok(CommitResult::Released | CommitResult::NotFound) => {
                if let Err(err) = self
                    .payment
                    .refund(&refund_key(&order.id), payment_id)
                    .await
                {
                    tracing::warn!(error = %err, "refund after an expired hold failed; will retry");
                    return Ok(());
                }
                self.compensate(order, reason::RESERVATION_EXPIRED).await
            }
            Err(err) => {
                tracing::warn!(error = %err, "committing the reservation failed; the reconciler will settle the order");
                Ok(())
            }
        }
    }

    /// The sale is final (stock committed): `pending → confirmed`, once; what was bought is
    /// taken out of the cart it came from.
    async fn confirm(&self, order: &Order, payment_id: Option<&str>) -> Result<(), ApiError> {
        if store::transition(
            &self.db,
            &order.id,
            OrderStatus::Pending,
            OrderStatus::Confirmed,
            None,
            payment_id,
        )
        .await?
        {
            metrics::counter!("orders_total", "status" => "confirmed").increment(1);
            tracing::info!(order_id = %order.id, "order confirmed");
            if order.from_cart {
                let bought = order
                    .lines
                    .iter()
                    .map(|l| (l.product_id.as_str(), l.quantity));
                if let Err(err) = self.carts.remove_bought(&order.user_id, bought).await {
                    // The order stands; the bought items merely stay in the cart.
                    tracing::warn!(order_id = %order.id, error = %err, "could not take the bought items out of the cart");
                }
            }
        }
        Ok(())
    }

    /// A free order: commit the reservation and confirm, no payment involved.
    async fn complete_free(&self, order: &Order) -> Result<(), ApiError> {
        match self.catalog.commit(&order.id).await {
            Ok(CommitResult::Committed) => self.confirm(order, None).await,
            Ok(CommitResult::Released | CommitResult::NotFound) => {
                self.fail(order, reason::RESERVATION_EXPIRED).await
            }
            Err(err) => {
                tracing::warn!(error = %err, "committing a free order failed; the reconciler will settle it");
                Ok(())
            }
        }
    }

    /// Returns the stock, then fails the order. If the stock cannot be returned now the order
    /// stays pending, so the reconciler repeats both.
    async fn compensate(&self, order: &Order, why: &str) -> Result<(), ApiError> {
        if let Err(err) = self.catalog.release(&order.id).await {
            tracing::warn!(error = %err, "releasing stock failed; the reconciler will retry");
            return Ok(());
        }
        self.fail(order, why).await
    }

    async fn fail(&self, order: &Order, why: &str) -> Result<(), ApiError> {
        if store::transition(
            &self.db,
            &order.id,
            OrderStatus::Pending,
            OrderStatus::Failed,
            Some(why),
            None,
        )
        .await?
        {
            metrics::counter!("orders_total", "status" => "failed", "reason" => why.to_string())
                .increment(1);
            tracing::info!(order_id = %order.id, reason = why, "order failed");
        }
        Ok(())
    }

    /// The reconciler's step for an order left pending: find out what happened to its
    /// charge and finish accordingly.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn settle(&self, order: &Order) -> Result<(), ApiError> {
        if order.total == 0 {
            return self.complete_free(order).await;
        }
        let view = match self.payment.lookup(&order.id).await? {
            Some(view) => view,
            // Never charged: fence the key so a late charge cannot land, then wind back.
            None => self.payment.void(&order.id).await?,
        };
        self.apply_payment(order, &view).await
    }

    /// Cancels a confirmed order: refund (once, by key) and return its stock.
    pub async fn cancel(&self, order: &Order) -> Result<(), ApiError> {
        match order.status {
            OrderStatus::Confirmed => {
                store::transition(
                    &self.db,
                    &order.id,
                    OrderStatus::Confirmed,
                    OrderStatus::Cancelling,
                    None,
                    None,
                )
                .await?;
                self.finish_cancel(order).await
            }
            OrderStatus::Cancelling => self.finish_cancel(order).await,
            OrderStatus::Cancelled => Ok(()),
            OrderStatus::Pending | OrderStatus::Failed => {
                Err(OrderError::NotCancellable(order.status.as_str()).into())
            }
        }
    }

    async fn finish_cancel(&self, order: &Order) -> Result<(), ApiError> {
        if let Some(payment_id) = &order.payment_id {
            match self
                .payment
                .refund(&refund_key(&order.id), payment_id)
                .await
            {
                Ok(_) => {}
                // Refunded already (an earlier attempt got through); anything else, such as
                // a refund still in progress, is retried by the reconciler.
                Err(wayfare_chassis::client::ClientError::Status {
                    status: 409,
                    ref body,
                    ..
                }) if body.contains("already_refunded") => {}
                Err(err) => return Err(err.into()),
            }
        }
        self.catalog.release(&order.id).await?;
        if store::transition(
            &self.db,
            &order.id,
            OrderStatus::Cancelling,
            OrderStatus::Cancelled,
            None,
            None,
        )
        .await?
        {
            metrics::counter!("orders_total", "status" => "cancelled").increment(1);
            tracing::info!(order_id = %order.id, "order cancelled");
        }
        Ok(())
    }

    /// Settles orders left pending (or cancelling) for longer than `after` (the reconciler
    /// worker's job); how many pending orders it settled.
    pub async fn reconcile_once(&self, after: Duration) -> Result<usize, ApiError> {
        let cutoff = now_ms() - after.as_millis() as i64;
        let mut settled = 0;
        for order in store::stale(&self.db, OrderStatus::Pending, cutoff, 100).await? {
            match self.settle(&order).await {
                Ok(()) => settled += 1,
                Err(err) => {
                    tracing::warn!(order_id = %order.id, error = %err, "could not settle a pending order yet")
                }
            }
        }
        for order in store::stale(&self.db, OrderStatus::Cancelling, cutoff, 100).await? {
            if let Err(err) = self.finish_cancel(&order).await {
                tracing::warn!(order_id = %order.id, error = %err, "could not finish a cancellation yet");
            }
        }
        if settled > 0 {
            metrics::counter!("orders_reconciled_total").increment(settled as u64);
        }
        Ok(settled)
    }
}

fn refund_key(order_id: &str) -> String {
    format!("refund-{order_id}")
}

#[cfg(test)]
mod tests;
