//! The booking saga against in-memory fakes of flight and payment, on an embedded SQLite
//! database: declines, silent payments and the reconciler, refunds by fare family.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use wayfare_chassis::client::ClientError;
use wayfare_chassis::db::{now_ms, Db};
use wayfare_flight_api::{
    Cabin, CancelledFlight, ChangeSeatsRequest, FareFamily, FlightTime, FlightView, Flights,
    HoldRequest, HoldResult, HoldStatus, HoldView,
};
use wayfare_payment_api::{
    ChargeRequest, ChargeResult, PaymentStatus, PaymentView, Payments, RefundView,
};

use super::saga::Saga;
use super::{BookedSegment, Booking, BookingStatus, Passenger, PassengerType};
use crate::store;

#[derive(Default)]
pub(crate) struct FakeFlights {
    released: Mutex<Vec<String>>,
}

fn hold_view(booking_id: &str, status: HoldStatus) -> HoldView {
    HoldView {
        booking_id: booking_id.into(),
        status,
        expires_at: String::new(),
        seats: Vec::new(),
    }
}

impl Flights for FakeFlights {
    fn flight<'a>(
        &'a self,
        _id: &'a str,
    ) -> BoxFuture<'a, Result<Option<FlightView>, ClientError>> {
        Box::pin(async { Ok(None) })
    }
    fn hold<'a>(&'a self, r: &'a HoldRequest) -> BoxFuture<'a, Result<HoldResult, ClientError>> {
        Box::pin(async move { Ok(HoldResult::Held(hold_view(&r.booking_id, HoldStatus::Held))) })
    }
    fn find_hold<'a>(
        &'a self,
        _id: &'a str,
    ) -> BoxFuture<'a, Result<Option<HoldView>, ClientError>> {
        Box::pin(async { Ok(None) })
    }
    fn commit<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<HoldResult, ClientError>> {
        Box::pin(async move { Ok(HoldResult::Held(hold_view(id, HoldStatus::Sold))) })
    }
    fn change<'a>(
        &'a self,
        id: &'a str,
        _r: &'a ChangeSeatsRequest,
    ) -> BoxFuture<'a, Result<HoldResult, ClientError>> {
        Box::pin(async move { Ok(HoldResult::Held(hold_view(id, HoldStatus::Held))) })
    }
    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        self.released.lock().unwrap().push(id.to_string());
        Box::pin(async { Ok(()) })
    }
    fn cancelled_since(
        &self,
        _since: i64,
    ) -> BoxFuture<'_, Result<Vec<CancelledFlight>, ClientError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    Approve,
    Decline,
    /// The charge happens but the answer never arrives.
    Silent,
}

pub(crate) struct FakePayments {
    mode: Mutex<Mode>,
    charges: Mutex<HashMap<String, PaymentView>>,
    refunds: Mutex<Vec<(String, i64)>>,
}

impl FakePayments {
    pub(crate) fn new(mode: Mode) -> Self {
        Self {
            mode: Mutex::new(mode),
            charges: Mutex::default(),
            refunds: Mutex::default(),
        }
    }
}

fn view(key: &str, amount: i64, status: PaymentStatus) -> PaymentView {
    PaymentView {
        id: format!("pay-{key}"),
        order_id: key.into(),
        amount,
        currency: "USD".into(),
        payment_method: "pm_card_ok".into(),
        status,
        failure_code: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

impl Payments for FakePayments {
    fn charge<'a>(
        &'a self,
        key: &'a str,
        r: &'a ChargeRequest,
    ) -> BoxFuture<'a, Result<ChargeResult, ClientError>> {
        Box::pin(async move {
            let mode = *self.mode.lock().unwrap();
            let status = if mode == Mode::Decline {
                PaymentStatus::Declined
            } else {
                PaymentStatus::Succeeded
            };
            let v = self
                .charges
                .lock()
                .unwrap()
                .entry(key.to_string())
                .or_insert_with(|| view(key, r.amount, status))
                .clone();
            if mode == Mode::Silent {
                return Err(ClientError::Timeout {
                    upstream: "payment",
                    timeout_ms: 1,
                });
            }
            Ok(ChargeResult::Done(v))
        })
    }
    fn lookup<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<PaymentView>, ClientError>> {
        Box::pin(async move { Ok(self.charges.lock().unwrap().get(key).cloned()) })
    }
    fn void<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<PaymentView, ClientError>> {
        Box::pin(async move {
            Ok(self
                .charges
                .lock()
                .unwrap()
                .entry(key.to_string())
                .or_insert_with(|| view(key, 0, PaymentStatus::Voided))
                .clone())
        })
    }
    fn refund<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>> {
        self.refund_part(key, payment_id, -1)
    }
    fn refund_part<'a>(
        &'a self,
        key: &'a str,
        payment_id: &'a str,
        amount: i64,
    ) -> BoxFuture<'a, Result<RefundView, ClientError>> {
        Box::pin(async move {
            let mut refunds = self.refunds.lock().unwrap();
            if !refunds.iter().any(|(k, _)| k == key) {
                refunds.push((key.to_string(), amount));
            }
            Ok(RefundView {
                id: key.into(),
                payment_id: payment_id.into(),
                amount,
            })
        })
    }
}

struct Setup {
    saga: Saga,
    payments: Arc<FakePayments>,
    flights: Arc<FakeFlights>,
    _dir: tempfile::TempDir,
}

async fn setup(mode: Mode) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/booking.db?mode=rwc", dir.path().display());
    let db = Db::connect(crate::NAME, &url, Duration::from_secs(5))
        .await
        .unwrap();
    db.migrate(crate::migrations::MIGRATIONS).await.unwrap();
    let payments = Arc::new(FakePayments::new(mode));
    let flights = Arc::new(FakeFlights::default());
    Setup {
        saga: Saga {
            db,
            flights: flights.clone(),
            payment: payments.clone(),
            hold: Duration::from_secs(900),
            fault: None,
        },
        payments,
        flights,
        _dir: dir,
    }
}

fn time() -> FlightTime {
    FlightTime {
        airport: "ICN".into(),
        utc: "2030-01-01T00:00:00Z".into(),
        local: "2030-01-01T09:00:00+09:00".into(),
        local_date: "2030-01-01".into(),
        utc_offset: "+09:00".into(),
        time_zone: "Asia/Seoul".into(),
    }
}

/// A booking `payment_pending` (as confirm leaves it just before charging).
async fn pending(saga: &Saga, fare: FareFamily) -> Booking {
    let now = now_ms();
    let b = Booking {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: "u".into(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        request_hash: "h".into(),
        pnr: super::new_pnr(),
        status: BookingStatus::PaymentPending,
        failure_code: None,
        failure_detail: None,
        cabin: Cabin::Economy,
        fare_family: fare,
        contact_email: "a@b.co".into(),
        itinerary: vec![BookedSegment {
            flight_id: "f1".into(),
            number: "WF 1".into(),
            origin: "ICN".into(),
            destination: "NRT".into(),
            departure: time(),
            arrival: time(),
            fare: 20_000,
        }],
        seats: Vec::new(),
        fare_total: 40_000,
        seat_total: 0,
        total: 40_000,
        currency: "USD".into(),
        payment_method: Some("pm_card_ok".into()),
        payment_attempt: 1,
        payment_id: None,
        refunded_amount: 0,
        seat_credit: 0,
        cancel_reason: None,
        payment_required_by: now + 900_000,
        created_at: now,
        updated_at: now,
        passengers: vec![
            Passenger {
                kind: PassengerType::Adult,
                given_name: "Min".into(),
                family_name: "Kim".into(),
                birth_date: "1990-01-01".into(),
            },
            Passenger {
                kind: PassengerType::Adult,
                given_name: "Ji".into(),
                family_name: "Park".into(),
                birth_date: "1991-01-01".into(),
            },
        ],
        tickets: Vec::new(),
    };
    assert!(matches!(
        store::insert(&saga.db, &b).await.unwrap(),
        store::Inserted::Yes
    ));
    b
}

async fn reload(saga: &Saga, id: &str) -> Booking {
    store::find(&saga.db, id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_paid_booking_is_sold_and_ticketed_once_per_passenger() {
    let s = setup(Mode::Approve).await;
    let b = pending(&s.saga, FareFamily::Flex).await;
    s.saga.pay(&b).await.unwrap();
    let after = reload(&s.saga, &b.id).await;
    assert_eq!(after.status, BookingStatus::Confirmed);
    assert_eq!(after.tickets.len(), 2);
    assert!(after.tickets.iter().all(|t| t.number.len() == 13));
    // Settling again changes nothing and issues no more tickets.
    s.saga.settle(&after).await.unwrap();
    assert_eq!(reload(&s.saga, &b.id).await.tickets, after.tickets);
}

#[tokio::test]
async fn a_decline_puts_the_booking_back_to_held_with_the_next_charge_key() {
    let s = setup(Mode::Decline).await;
    let b = pending(&s.saga, FareFamily::Basic).await;
    s.saga.pay(&b).await.unwrap();
    let after = reload(&s.saga, &b.id).await;
    assert_eq!(after.status, BookingStatus::Held);
    assert_eq!(after.failure_code.as_deref(), Some("payment_declined"));
    assert_eq!(after.payment_attempt, 2, "the next try uses a fresh key");
}

#[tokio::test]
async fn a_silent_payment_stays_pending_and_the_reconciler_tickets_it() {
    let s = setup(Mode::Silent).await;
    let b = pending(&s.saga, FareFamily::Standard).await;
    s.saga.pay(&b).await.unwrap();
    assert_eq!(
        reload(&s.saga, &b.id).await.status,
        BookingStatus::PaymentPending
    );
    s.saga.reconcile_once(Duration::ZERO).await.unwrap();
    let after = reload(&s.saga, &b.id).await;
    assert_eq!(after.status, BookingStatus::Confirmed);
    assert_eq!(s.payments.charges.lock().unwrap().len(), 1, "one charge");
}

#[tokio::test]
async fn the_reconciler_fences_an_unused_key_and_returns_the_booking_to_held() {
    let s = setup(Mode::Approve).await;
    let b = pending(&s.saga, FareFamily::Flex).await;
    // The request died before charging: no charge under the key.
    s.saga.reconcile_once(Duration::ZERO).await.unwrap();
    let after = reload(&s.saga, &b.id).await;
    assert_eq!(after.status, BookingStatus::Held);
    let charges = s.payments.charges.lock().unwrap();
    assert_eq!(
        charges.values().next().unwrap().status,
        PaymentStatus::Voided
    );
}

#[tokio::test]
async fn cancelling_refunds_by_fare_family_exactly_once() {
    for (fare, expected) in [
        (FareFamily::Basic, 0),
        (FareFamily::Standard, 40_000 - 2 * 7_500),
        (FareFamily::Flex, 40_000),
    ] {
        let s = setup(Mode::Approve).await;
        let b = pending(&s.saga, fare).await;
        s.saga.pay(&b).await.unwrap();
        let confirmed = reload(&s.saga, &b.id).await;
        s.saga
            .cancel(&confirmed, confirmed.customer_refund(), "test")
            .await
            .unwrap();
        let cancelled = reload(&s.saga, &b.id).await;
        assert_eq!(cancelled.status, BookingStatus::Cancelled);
        assert_eq!(cancelled.refunded_amount, expected);
        assert!(cancelled.tickets.iter().all(|t| t.status == "void"));
        s.saga
            .cancel(&cancelled, cancelled.customer_refund(), "again")
            .await
            .unwrap();
        let refunds = s.payments.refunds.lock().unwrap().clone();
        assert_eq!(refunds.len(), usize::from(expected > 0), "{fare:?}");
        assert!(refunds.iter().all(|(_, amount)| *amount == expected));
        assert_eq!(s.flights.released.lock().unwrap().len(), 1);
    }
}
