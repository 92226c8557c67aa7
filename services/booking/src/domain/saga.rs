//! The booking saga and its recovery: hold seats (flight) → pay (payment, key derived from the
//! booking id and its payment attempt) → mark the seats sold → issue tickets → confirmed; or
//! compensate. Every step is idempotent per booking id and every status change conditional,
//! so the request path and the workers can both drive a booking without double effects.
//!
//! A charge that does not answer leaves the booking `payment_pending`; the reconciler asks
//! payment what happened to the key later (fencing an unused key first, so a late charge can
//! never land). Declines put the booking back to `held` for another card until the deadline.

use std::sync::Arc;
use std::time::Duration;

use wayfare_chassis::client::ClientError;
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::ApiError;
use wayfare_flight_api::{ChangeSeatsRequest, Flights, HoldResult, SeatMove};
use wayfare_payment_api::{ChargeRequest, ChargeResult, PaymentStatus, PaymentView, Payments};

use super::{charge_key, refund_key, Booking, BookingStatus, SeatAssignment};
use crate::store::{self, Changes};

pub struct Saga {
    pub db: Db,
    /// flight's HTTP client in every mode; a fake in unit tests.
    pub flights: Arc<dyn Flights>,
    /// payment's HTTP client in every mode; a fake in unit tests.
    pub payment: Arc<dyn Payments>,
    /// How long a booking's seats wait for payment.
    pub hold: Duration,
    /// Test-only crash point (see `WAYFARE_FAULT_INJECT`).
    pub fault: Option<String>,
}

/// Why a booking was cancelled, shown to the customer.
pub mod reason {
    pub const BY_CUSTOMER: &str = "cancelled by the customer";
    pub const HOLD_LOST: &str = "the seats were released before the payment completed; refunded";
}

impl Saga {
    fn crash_point(&self, point: &str) {
        if self.fault.as_deref() == Some(point) {
            eprintln!("wayfare: fault injected at {point}; aborting");
            std::process::abort();
        }
    }

    /// How long flight keeps the seats: the booking's own deadline decides, with an hour of
    /// margin so a payment that lands at the last second still finds its seats.
    pub fn flight_hold_ttl(&self) -> u64 {
        self.hold.as_secs() + 3600
    }

    /// held → payment_pending → charge → (sold, tickets, confirmed) | back to held.
    #[tracing::instrument(skip_all, fields(booking_id = %booking.id))]
    pub async fn pay(&self, booking: &Booking) -> Result<(), ApiError> {
        let key = charge_key(&booking.id, booking.payment_attempt);
        let request = ChargeRequest {
            user_id: booking.user_id.clone(),
            order_id: booking.id.clone(),
            amount: booking.total,
            currency: booking.currency.clone(),
            payment_method: booking.payment_method.clone().unwrap_or_default(),
        };
        let view = match self.payment.charge(&key, &request).await {
            Ok(ChargeResult::Done(view)) => view,
            Ok(ChargeResult::Voided) => return self.back_to_held(booking, "payment_failed").await,
            Err(ClientError::Status { status, body, .. })
                if (400..500).contains(&status) && status != 409 =>
            {
                tracing::warn!(status, body, "payment refused the charge request");
                return self.back_to_held(booking, "payment_failed").await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "charging failed; the reconciler will settle the booking");
                return Ok(());
            }
        };
        self.crash_point("after_charge");
        self.apply_payment(booking, &view).await
    }

    async fn apply_payment(&self, booking: &Booking, view: &PaymentView) -> Result<(), ApiError> {
        match view.status {
            PaymentStatus::Succeeded => self.complete(booking, &view.id).await,
            PaymentStatus::Declined => {
                let code = match view.failure_code.as_deref() {
                    Some("insufficient_funds") => "insufficient_funds",
                    _ => "payment_declined",
                };
                self.back_to_held(booking, code).await
            }
            PaymentStatus::Failed | PaymentStatus::Voided | PaymentStatus::Refunded => {
                self.back_to_held(booking, "payment_failed").await
            }
            PaymentStatus::Processing => Ok(()),
        }
    }

    /// The charge did not go through: the customer may try another card (the next attempt
    /// uses the next key).
    async fn back_to_held(&self, booking: &Booking, code: &str) -> Result<(), ApiError> {
        if store::transition(
            &self.db,
            &booking.id,
            BookingStatus::PaymentPending,
            BookingStatus::Held,
            Changes {
                failure: Some((code, "the payment did not go through")),
                next_attempt: true,
                ..Default::default()
            },
        )
        .await?
        {
            metrics::counter!("bookings_payments_failed_total", "reason" => code.to_string())
                .increment(1);
        }
        Ok(())
    }

    /// Paid: sell the seats, issue the tickets, confirm. If the seats were lost meanwhile,
    /// refund and cancel.
    async fn complete(&self, booking: &Booking, payment_id: &str) -> Result<(), ApiError> {
        match self.flights.commit(&booking.id).await {
            Ok(HoldResult::Held(_)) => {
                store::issue_tickets(&self.db, booking).await?;
                if store::transition(
                    &self.db,
                    &booking.id,
                    BookingStatus::PaymentPending,
                    BookingStatus::Confirmed,
                    Changes {
                        payment_id: Some(payment_id),
                        ..Default::default()
                    },
                )
                .await?
                {
                    metrics::counter!("bookings_total", "status" => "confirmed").increment(1);
                    tracing::info!(booking_id = %booking.id, pnr = %booking.pnr, "booking confirmed and ticketed");
                }
                Ok(())
            }
            Ok(
                HoldResult::Released
                | HoldResult::Rejected { .. }
                | HoldResult::SeatUnavailable { .. },
            ) => {
                if let Err(err) = self
                    .payment
                    .refund(&refund_key(&booking.id), payment_id)
                    .await
                {
                    if !already_refunded(&err) {
                        tracing::warn!(error = %err, "refund after a lost hold failed; will retry");
                        return Ok(());
                    }
                }
                store::transition(
                    &self.db,
                    &booking.id,
                    BookingStatus::PaymentPending,
                    BookingStatus::Cancelled,
                    Changes {
                        payment_id: Some(payment_id),
                        refunded_amount: Some(booking.total),
                        cancel_reason: Some(reason::HOLD_LOST),
                        ..Default::default()
                    },
                )
                .await?;
                Ok(())
            }
            Err(err) => {
                tracing::warn!(error = %err, "selling the seats failed; the reconciler will settle the booking");
                Ok(())
            }
        }
    }

    /// The reconciler's step for a booking left `payment_pending`.
    #[tracing::instrument(skip_all, fields(booking_id = %booking.id))]
    pub async fn settle(&self, booking: &Booking) -> Result<(), ApiError> {
        let key = charge_key(&booking.id, booking.payment_attempt);
        let view = match self.payment.lookup(&key).await? {
            Some(view) => view,
            None => self.payment.void(&key).await?,
        };
        self.apply_payment(booking, &view).await
    }

    /// Held past its deadline: expire and give the seats back.
    pub async fn expire(&self, booking: &Booking) -> Result<bool, ApiError> {
        if !store::transition(
            &self.db,
            &booking.id,
            BookingStatus::Held,
            BookingStatus::Expired,
            Changes::default(),
        )
        .await?
        {
            return Ok(false);
        }
        metrics::counter!("bookings_total", "status" => "expired").increment(1);
        if let Err(err) = self.flights.release(&booking.id).await {
            // flight's own sweeper returns the seats when its (longer) hold runs out.
            tracing::warn!(booking_id = %booking.id, error = %err, "releasing the seats of an expired booking failed");
        }
        Ok(true)
    }

    /// Cancels a booking: a held one releases its seats; a confirmed one is refunded `refund`
    /// (its fare family's share, or everything when the airline cancels), once.
    pub async fn cancel(&self, booking: &Booking, refund: i64, why: &str) -> Result<(), ApiError> {
        match booking.status {
            BookingStatus::Held => {
                if store::transition(
                    &self.db,
                    &booking.id,
                    BookingStatus::Held,
                    BookingStatus::Cancelled,
                    Changes {
                        cancel_reason: Some(why),
                        ..Default::default()
                    },
                )
                .await?
                {
                    metrics::counter!("bookings_total", "status" => "cancelled").increment(1);
                    self.flights
                        .release(&booking.id)
                        .await
                        .map_err(ApiError::from)?;
                }
                Ok(())
            }
            BookingStatus::Confirmed => {
                store::transition(
                    &self.db,
                    &booking.id,
                    BookingStatus::Confirmed,
                    BookingStatus::Cancelling,
                    Changes {
                        refunded_amount: Some(refund.clamp(0, booking.total)),
                        cancel_reason: Some(why),
                        ..Default::default()
                    },
                )
                .await?;
                let current = store::find(&self.db, &booking.id)
                    .await?
                    .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("booking vanished")))?;
                self.finish_cancel(&current).await
            }
            BookingStatus::Cancelling => self.finish_cancel(booking).await,
            BookingStatus::Cancelled => Ok(()),
            BookingStatus::PaymentPending => Err(ApiError::conflict(
                "payment_pending",
                "this booking's payment is still being settled; try again shortly",
            )),
            _ => Err(ApiError::conflict(
                "not_cancellable",
                format!("a {} booking cannot be cancelled", booking.status.as_str()),
            )),
        }
    }

    /// Refund (once, by key), void the tickets, give the seats back, `cancelled`.
    async fn finish_cancel(&self, booking: &Booking) -> Result<(), ApiError> {
        if let (Some(payment_id), true) = (&booking.payment_id, booking.refunded_amount > 0) {
            // The refund is spread over the payments, each giving back at most what it took:
            // the first payment (the booking before any dearer seat), then each seat
            // difference. Every part has its own key, so a retry refunds nothing twice.
            let extras = store::extra_charges(&self.db, &booking.id).await?;
            let extra_total: i64 = extras.iter().map(|(_, amount)| amount).sum();
            let mut parts = vec![(
                payment_id.clone(),
                booking.total - extra_total,
                refund_key(&booking.id),
            )];
            for (extra_id, amount) in extras {
                let key = format!("{}-{extra_id}", refund_key(&booking.id));
                parts.push((extra_id, amount, key));
            }
            let mut left = booking.refunded_amount;
            for (payment, cap, key) in parts {
                let amount = left.min(cap);
                if amount <= 0 {
                    break;
                }
                if let Err(err) = self.payment.refund_part(&key, &payment, amount).await {
                    if !already_refunded(&err) {
                        return Err(err.into());
                    }
                }
                left -= amount;
            }
        }
        store::void_tickets(&self.db, &booking.id).await?;
        self.flights
            .release(&booking.id)
            .await
            .map_err(ApiError::from)?;
        if store::transition(
            &self.db,
            &booking.id,
            BookingStatus::Cancelling,
            BookingStatus::Cancelled,
            Changes::default(),
        )
        .await?
        {
            metrics::counter!("bookings_total", "status" => "cancelled").increment(1);
            tracing::info!(booking_id = %booking.id, refunded = booking.refunded_amount, "booking cancelled");
        }
        Ok(())
    }

    /// Moves passengers to other seats on one flight (new seats are taken before the old ones
    /// are given back, by flight, in one transaction). Returns the new assignments and the
    /// surcharge difference.
    pub async fn change_seats(
        &self,
        booking: &Booking,
        flight_id: &str,
        wanted: &[(usize, String)],
    ) -> Result<(Vec<SeatAssignment>, i64), ApiError> {
        let mut moves = Vec::new();
        for (passenger, seat) in wanted {
            let current = booking
                .seats
                .iter()
                .find(|s| s.passenger == *passenger && s.flight_id == flight_id)
                .ok_or_else(|| {
                    ApiError::validation(
                        "seats",
                        format!("passenger {passenger} has no seat on flight {flight_id}"),
                    )
                })?;
            if current.seat != *seat {
                moves.push(SeatMove {
                    from: current.seat.clone(),
                    to: seat.clone(),
                });
            }
        }
        if moves.is_empty() {
            return Ok((booking.seats.clone(), 0));
        }
        let request = ChangeSeatsRequest {
            fare_family: booking.fare_family,
            flight_id: flight_id.to_string(),
            moves: moves.clone(),
        };
        let view = match self
            .flights
            .change(&booking.id, &request)
            .await
            .map_err(ApiError::from)?
        {
            HoldResult::Held(view) => view,
            HoldResult::SeatUnavailable { seat, detail } => {
                return Err(seat_unavailable(&seat, flight_id, &detail))
            }
            HoldResult::Released => {
                return Err(ApiError::conflict(
                    "hold_expired",
                    "this booking's seats were released",
                ))
            }
            HoldResult::Rejected { field, detail } => {
                return Err(ApiError::validation(
                    field.unwrap_or_else(|| "seats".into()),
                    detail,
                ))
            }
        };
        let mut seats = booking.seats.clone();
        let mut diff = 0;
        for m in &moves {
            if let Some(s) = seats
                .iter_mut()
                .find(|s| s.flight_id == flight_id && s.seat == m.from)
            {
                let surcharge = view
                    .seats
                    .iter()
                    .find(|h| h.flight_id == flight_id && h.seat == m.to)
                    .map_or(0, |h| h.surcharge);
                diff += surcharge - s.surcharge;
                s.seat = m.to.clone();
                s.surcharge = surcharge;
            }
        }
        Ok((seats, diff))
    }

    /// The reconciler: settles `payment_pending` bookings and finishes cancellations older
    /// than `after`; how many bookings it settled.
    pub async fn reconcile_once(&self, after: Duration) -> Result<usize, ApiError> {
        let cutoff = now_ms() - after.as_millis() as i64;
        let mut settled = 0;
        for booking in store::stale(&self.db, BookingStatus::PaymentPending, cutoff, 100).await? {
            match self.settle(&booking).await {
                Ok(()) => settled += 1,
                Err(err) => {
                    tracing::warn!(booking_id = %booking.id, error = %err, "could not settle a booking yet")
                }
            }
        }
        for booking in store::stale(&self.db, BookingStatus::Cancelling, cutoff, 100).await? {
            if let Err(err) = self.finish_cancel(&booking).await {
                tracing::warn!(booking_id = %booking.id, error = %err, "could not finish a cancellation yet");
            }
        }
        // A crash between inserting a booking and holding its seats.
        for booking in store::stale(&self.db, BookingStatus::Holding, cutoff, 100).await? {
            if self.flights.release(&booking.id).await.is_ok() {
                store::transition(
                    &self.db,
                    &booking.id,
                    BookingStatus::Holding,
                    BookingStatus::Failed,
                    Changes {
                        failure: Some((
                            "booking_interrupted",
                            "the booking was interrupted; nothing was charged",
                        )),
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
        if settled > 0 {
            metrics::counter!("bookings_reconciled_total").increment(settled as u64);
        }
        Ok(settled)
    }

    /// The sweeper: expires held bookings past their deadline; how many it expired.
    pub async fn expire_overdue(&self) -> Result<usize, ApiError> {
        let mut expired = 0;
        for booking in store::overdue(&self.db, now_ms(), 200).await? {
            if self.expire(&booking).await? {
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// Follows flight's cancellations: every booking on a cancelled flight is cancelled with a
    /// full refund and the airline's reason.
    pub async fn follow_cancelled_flights(&self) -> Result<usize, ApiError> {
        const WATCH: &str = "flight-cancellations";
        let since = store::watch_position(&self.db, WATCH).await?;
        let cancelled = self
            .flights
            .cancelled_since(since)
            .await
            .map_err(ApiError::from)?;
        let mut done = 0;
        let mut position = since;
        for flight in &cancelled {
            let mut complete = true;
            for id in store::on_flight(&self.db, &flight.flight_id).await? {
                let Some(booking) = store::find(&self.db, &id).await? else {
                    continue;
                };
                let number = booking
                    .itinerary
                    .iter()
                    .find(|s| s.flight_id == flight.flight_id)
                    .map_or(flight.flight_id.clone(), |s| s.number.clone());
                let why = format!(
                    "flight {number} was cancelled by the airline: {}",
                    flight.reason
                );
                match self.cancel(&booking, booking.total, &why).await {
                    Ok(()) => done += 1,
                    Err(err) => {
                        complete = false;
                        tracing::warn!(booking_id = %id, error = %err, "could not cancel a booking on a cancelled flight yet");
                    }
                }
            }
            if !complete {
                break;
            }
            position = flight.cancelled_at;
        }
        if position != since {
            store::set_watch_position(&self.db, WATCH, position).await?;
        }
        Ok(done)
    }
}

fn already_refunded(err: &ClientError) -> bool {
    matches!(err, ClientError::Status { status: 409, body, .. } if body.contains("already_refunded"))
}

/// 409 `seat_unavailable` naming the seat.
pub fn seat_unavailable(seat: &str, flight_id: &str, detail: &str) -> ApiError {
    let _ = detail;
    ApiError::conflict(
        "seat_unavailable",
        format!("seat {seat} on flight {flight_id} is not available"),
    )
}
