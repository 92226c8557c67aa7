//! The saga against in-memory fakes of catalog and payment: every branch of checkout, settle,
//! cancel, complete_paid, complete_free and compensate, asserting the order's status in the
//! store and exactly the calls catalog and payment saw.
//!
//! Crash points are process aborts (`WAYFARE_FAULT_INJECT`), exercised by the end-to-end
//! suite; here every saga runs with `fault: None`, which must run straight through.

use std::time::Duration;

use wayfare_catalog_api::{CommitResult, ReservationLine, ReserveResult};
use wayfare_chassis::db::now_ms;
use wayfare_chassis::ApiError;
use wayfare_payment_api::{ChargeResult, PaymentStatus};

use crate::domain::cart::Cart;
use crate::domain::{reason, Order, OrderLine, OrderStatus};
use crate::fakes::{self, payment_view, Call, Harness, RESERVATION_TTL_SECONDS};
use crate::store;

const USER: &str = "user-1";

/// A pending order of two lines (2 × `unit_price` and 1 × `unit_price`), stored.
async fn pending_order(h: &Harness, unit_price: i64, method: &str) -> Order {
    let now = now_ms();
    let id = uuid::Uuid::now_v7().to_string();
    let lines = vec![
        OrderLine {
            product_id: "prod-a".into(),
            name: "A".into(),
            unit_price,
            quantity: 2,
        },
        OrderLine {
            product_id: "prod-b".into(),
            name: "B".into(),
            unit_price,
            quantity: 1,
        },
    ];
    let order = Order {
        idempotency_key: format!("key-{id}"),
        id,
        user_id: USER.into(),
        request_hash: "hash".into(),
        status: OrderStatus::Pending,
        failure_reason: None,
        total: lines.iter().map(|l| l.unit_price * l.quantity).sum(),
        currency: "USD".into(),
        payment_method: method.into(),
        payment_id: None,
        from_cart: true,
        created_at: now,
        updated_at: now,
        lines,
    };
    store::insert_pending(&h.db, &order)
        .await
        .unwrap()
        .expect("a fresh key inserts");
    order
}

async fn paid_order(h: &Harness) -> Order {
    pending_order(h, 1250, "pm_card_ok").await
}

async fn free_order(h: &Harness) -> Order {
    pending_order(h, 0, "pm_card_ok").await
}

/// A paid order moved to `status` the way the saga moves it, reloaded from the store.
async fn order_in(h: &Harness, status: OrderStatus) -> Order {
    let order = paid_order(h).await;
    let payment_id = format!("pay-{}", order.id);
    let steps: &[(OrderStatus, OrderStatus)] = match status {
        OrderStatus::Pending => &[],
        OrderStatus::Confirmed => &[(OrderStatus::Pending, OrderStatus::Confirmed)],
        OrderStatus::Failed => &[(OrderStatus::Pending, OrderStatus::Failed)],
        OrderStatus::Cancelling => &[
            (OrderStatus::Pending, OrderStatus::Confirmed),
            (OrderStatus::Confirmed, OrderStatus::Cancelling),
        ],
        OrderStatus::Cancelled => &[
            (OrderStatus::Pending, OrderStatus::Confirmed),
            (OrderStatus::Confirmed, OrderStatus::Cancelling),
            (OrderStatus::Cancelling, OrderStatus::Cancelled),
        ],
    };
    for (from, to) in steps {
        let paid = (*to == OrderStatus::Confirmed).then_some(payment_id.as_str());
        assert!(store::transition(&h.db, &order.id, *from, *to, None, paid)
            .await
            .unwrap());
    }
    stored(h, &order.id).await
}

async fn stored(h: &Harness, id: &str) -> Order {
    store::find(&h.db, id)
        .await
        .unwrap()
        .expect("the order exists")
}

async fn assert_stored(h: &Harness, order: &Order, status: OrderStatus, why: Option<&str>) {
    let now = stored(h, &order.id).await;
    assert_eq!(now.status, status, "status of order {}", order.id);
    assert_eq!(now.failure_reason.as_deref(), why, "failure reason");
}

fn reserve(order: &Order) -> Call {
    Call::Reserve {
        order_id: order.id.clone(),
        items: order
            .lines
            .iter()
            .map(|l| ReservationLine {
                product_id: l.product_id.clone(),
                quantity: l.quantity,
            })
            .collect(),
        ttl_seconds: RESERVATION_TTL_SECONDS,
    }
}

/// The one charge of an order: key = order id, the order's amount, currency and method.
fn charge(order: &Order) -> Call {
    Call::Charge {
        key: order.id.clone(),
        body: serde_json::json!({
            "user_id": order.user_id,
            "order_id": order.id,
            "amount": order.total,
            "currency": order.currency,
            "payment_method": order.payment_method,
        }),
    }
}

fn commit(order: &Order) -> Call {
    Call::Commit(order.id.clone())
}

fn release(order: &Order) -> Call {
    Call::Release(order.id.clone())
}

fn lookup(order: &Order) -> Call {
    Call::Lookup(order.id.clone())
}

fn void(order: &Order) -> Call {
    Call::Void(order.id.clone())
}

/// The refund of an order's payment: always under the key `refund-<order>`.
fn refund(order: &Order) -> Call {
    Call::Refund {
        key: format!("refund-{}", order.id),
        payment_id: format!("pay-{}", order.id),
    }
}

fn done(order: &Order, status: PaymentStatus, code: Option<&str>) -> ChargeResult {
    ChargeResult::Done(payment_view(&order.id, status, code))
}

async fn fill_cart(h: &Harness) {
    let mut cart = Cart::default();
    cart.items.insert("prod-a".into(), 2);
    h.carts.save(USER, &cart).await.unwrap();
}

// ------------------------------------------------------------------------------ checkout

#[tokio::test]
async fn checkout_reserves_charges_once_commits_and_confirms() {
    let h = Harness::new().await;
    assert_eq!(
        h.saga.fault, None,
        "no crash point: the saga runs straight through"
    );
    fill_cart(&h).await;
    let order = paid_order(&h).await;

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order), charge(&order), commit(&order)]);
    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
    let now = stored(&h, &order.id).await;
    assert_eq!(now.payment_id, Some(format!("pay-{}", order.id)));
    assert!(
        h.carts.show(USER).await.items.is_empty(),
        "a confirmed cart order empties the cart"
    );
}

#[tokio::test]
async fn confirming_later_keeps_what_the_customer_put_in_the_cart_since() {
    // The reconciler confirms a pending order long after checkout; the customer has been
    // shopping meanwhile. Only what this order bought leaves the cart.
    let h = Harness::new().await;
    fill_cart(&h).await;
    let order = paid_order(&h).await;
    let mut cart = h.carts.show(USER).await;
    cart.items.insert("prod-new".into(), 3);
    h.carts.save(USER, &cart).await.unwrap();

    h.saga.checkout(&order).await.unwrap();

    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
    let left = h.carts.show(USER).await;
    assert_eq!(
        left.items.into_iter().collect::<Vec<_>>(),
        [("prod-new".to_string(), 3)]
    );
}

#[tokio::test]
async fn checkout_of_an_order_not_from_the_cart_leaves_the_cart_alone() {
    let h = Harness::new().await;
    fill_cart(&h).await;
    let mut order = paid_order(&h).await;
    order.from_cart = false;

    h.saga.checkout(&order).await.unwrap();

    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
    assert_eq!(h.carts.show(USER).await.items.len(), 1);
}

#[tokio::test]
async fn checkout_fails_out_of_stock_without_charging() {
    let h = Harness::new().await;
    fill_cart(&h).await;
    let order = paid_order(&h).await;
    h.catalog.script_reserve(Ok(ReserveResult::OutOfStock));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order)]);
    assert_stored(&h, &order, OrderStatus::Failed, Some(reason::OUT_OF_STOCK)).await;
    assert_eq!(
        h.carts.show(USER).await.items.len(),
        1,
        "a failed order keeps the cart"
    );
}

#[tokio::test]
async fn checkout_fails_product_unavailable_when_catalog_rejects_a_line() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog
        .script_reserve(Ok(ReserveResult::Rejected("unknown product prod-b".into())));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order)]);
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PRODUCT_UNAVAILABLE),
    )
    .await;
}

#[tokio::test]
async fn checkout_fails_reservation_expired_when_the_hold_was_already_released() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_reserve(Ok(ReserveResult::Released));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order)]);
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::RESERVATION_EXPIRED),
    )
    .await;
}

#[tokio::test]
async fn checkout_leaves_the_order_pending_when_reserving_times_out() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_reserve(Err(fakes::timeout("catalog")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order)], "no charge without a hold");
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn checkout_leaves_the_order_pending_when_catalog_answers_an_error() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog
        .script_reserve(Err(fakes::status("catalog", 500, "internal")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order)]);
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn checkout_releases_and_fails_payment_declined_when_the_card_is_declined() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Ok(done(
        &order,
        PaymentStatus::Declined,
        Some("card_declined"),
    )));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PAYMENT_DECLINED),
    )
    .await;
}

#[tokio::test]
async fn checkout_releases_and_fails_insufficient_funds_when_the_card_lacks_funds() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Ok(done(
        &order,
        PaymentStatus::Declined,
        Some("insufficient_funds"),
    )));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::INSUFFICIENT_FUNDS),
    )
    .await;
}

#[tokio::test]
async fn checkout_releases_and_fails_payment_failed_when_the_provider_errors() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Ok(done(
        &order,
        PaymentStatus::Failed,
        Some("provider_error"),
    )));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PAYMENT_FAILED),
    )
    .await;
}

#[tokio::test]
async fn checkout_releases_and_fails_payment_timeout_when_the_provider_timed_out() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Ok(done(
        &order,
        PaymentStatus::Failed,
        Some("provider_timeout"),
    )));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PAYMENT_TIMEOUT),
    )
    .await;
}

#[tokio::test]
async fn checkout_releases_and_fails_checkout_interrupted_when_the_key_was_voided() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Ok(ChargeResult::Voided));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
}

#[tokio::test]
async fn checkout_releases_and_fails_checkout_interrupted_when_the_payment_reads_voided() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment
        .script_charge(Ok(done(&order, PaymentStatus::Voided, None)));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
}

#[tokio::test]
async fn checkout_releases_and_fails_reservation_expired_when_the_payment_was_refunded() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment
        .script_charge(Ok(done(&order, PaymentStatus::Refunded, None)));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::RESERVATION_EXPIRED),
    )
    .await;
}

#[tokio::test]
async fn checkout_leaves_the_order_pending_while_payment_is_processing() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment
        .script_charge(Ok(done(&order, PaymentStatus::Processing, None)));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order)],
        "neither commit nor release while the charge is open"
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn checkout_releases_and_fails_payment_failed_when_payment_refuses_the_request() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment
        .script_charge(Err(fakes::status("payment", 422, "validation")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PAYMENT_FAILED),
    )
    .await;
}

#[tokio::test]
async fn checkout_leaves_the_order_pending_on_a_409_from_payment() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment
        .script_charge(Err(fakes::status("payment", 409, "idempotency_key_reused")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order), charge(&order)]);
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn checkout_leaves_the_order_pending_when_the_charge_times_out() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Err(fakes::timeout("payment")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order)],
        "the charge may have landed: nothing is released"
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn checkout_leaves_the_order_pending_when_payment_is_unreachable_or_failing() {
    let h = Harness::new().await;
    let unreachable = paid_order(&h).await;
    let failing = paid_order(&h).await;
    h.payment.script_charge(Err(fakes::unreachable("payment")));
    h.payment
        .script_charge(Err(fakes::status("payment", 503, "unavailable")));

    h.saga.checkout(&unreachable).await.unwrap();
    h.saga.checkout(&failing).await.unwrap();

    assert_eq!(
        h.calls(),
        [
            reserve(&unreachable),
            charge(&unreachable),
            reserve(&failing),
            charge(&failing)
        ]
    );
    assert_stored(&h, &unreachable, OrderStatus::Pending, None).await;
    assert_stored(&h, &failing, OrderStatus::Pending, None).await;
}

// -------------------------------------------------------------------------- complete_paid

#[tokio::test]
async fn a_paid_order_whose_hold_expired_is_refunded_released_and_failed() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_commit(Ok(CommitResult::Released));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [
            reserve(&order),
            charge(&order),
            commit(&order),
            refund(&order),
            release(&order)
        ]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::RESERVATION_EXPIRED),
    )
    .await;
}

#[tokio::test]
async fn a_paid_order_whose_hold_is_gone_is_refunded_released_and_failed() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_commit(Ok(CommitResult::NotFound));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [
            reserve(&order),
            charge(&order),
            commit(&order),
            refund(&order),
            release(&order)
        ]
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::RESERVATION_EXPIRED),
    )
    .await;
}

#[tokio::test]
async fn a_failed_refund_after_an_expired_hold_leaves_the_order_pending() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_commit(Ok(CommitResult::Released));
    h.payment.script_refund(Err(fakes::timeout("payment")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [
            reserve(&order),
            charge(&order),
            commit(&order),
            refund(&order)
        ],
        "nothing is released before the money is back"
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn a_failed_commit_leaves_a_paid_order_pending() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_commit(Err(fakes::unreachable("catalog")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), commit(&order)],
        "neither refund nor release: the reconciler commits later"
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn confirming_an_order_someone_else_already_settled_changes_nothing() {
    let h = Harness::new().await;
    fill_cart(&h).await;
    let order = paid_order(&h).await;
    // The reconciler failed it meanwhile: the conditional transition does not apply.
    store::transition(
        &h.db,
        &order.id,
        OrderStatus::Pending,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
        None,
    )
    .await
    .unwrap();

    h.saga.checkout(&order).await.unwrap();

    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
    assert_eq!(
        h.carts.show(USER).await.items.len(),
        1,
        "only the step that confirms clears the cart"
    );
}

// -------------------------------------------------------------------------- complete_free

#[tokio::test]
async fn a_free_order_is_committed_and_confirmed_without_payment() {
    let h = Harness::new().await;
    fill_cart(&h).await;
    let order = free_order(&h).await;

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order), commit(&order)]);
    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
    assert_eq!(stored(&h, &order.id).await.payment_id, None);
    assert!(h.carts.show(USER).await.items.is_empty());
}

#[tokio::test]
async fn a_free_order_whose_hold_expired_fails_without_refund_or_release() {
    let h = Harness::new().await;
    let released = free_order(&h).await;
    let gone = free_order(&h).await;
    h.catalog.script_commit(Ok(CommitResult::Released));
    h.catalog.script_commit(Ok(CommitResult::NotFound));

    h.saga.checkout(&released).await.unwrap();
    h.saga.checkout(&gone).await.unwrap();

    assert_eq!(
        h.calls(),
        [
            reserve(&released),
            commit(&released),
            reserve(&gone),
            commit(&gone)
        ]
    );
    for order in [&released, &gone] {
        assert_stored(
            &h,
            order,
            OrderStatus::Failed,
            Some(reason::RESERVATION_EXPIRED),
        )
        .await;
    }
}

#[tokio::test]
async fn a_free_order_whose_commit_fails_stays_pending() {
    let h = Harness::new().await;
    let order = free_order(&h).await;
    h.catalog.script_commit(Err(fakes::timeout("catalog")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(h.calls(), [reserve(&order), commit(&order)]);
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

// ---------------------------------------------------------------------------- compensate

#[tokio::test]
async fn a_declined_order_whose_stock_cannot_be_released_stays_pending() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_charge(Ok(done(
        &order,
        PaymentStatus::Declined,
        Some("card_declined"),
    )));
    h.catalog.script_release(Err(fakes::unreachable("catalog")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [reserve(&order), charge(&order), release(&order)]
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;

    // The reconciler repeats both: the decline replays, the release goes through now.
    h.payment.script_lookup(Ok(Some(payment_view(
        &order.id,
        PaymentStatus::Declined,
        Some("card_declined"),
    ))));
    h.saga.settle(&order).await.unwrap();
    assert_eq!(
        h.calls()[3..],
        [lookup(&order), release(&order)],
        "settling never charges again"
    );
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PAYMENT_DECLINED),
    )
    .await;
}

#[tokio::test]
async fn a_refunded_order_whose_stock_cannot_be_released_stays_pending() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.catalog.script_commit(Ok(CommitResult::Released));
    h.catalog.script_release(Err(fakes::timeout("catalog")));

    h.saga.checkout(&order).await.unwrap();

    assert_eq!(
        h.calls(),
        [
            reserve(&order),
            charge(&order),
            commit(&order),
            refund(&order),
            release(&order)
        ]
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

// -------------------------------------------------------------------------------- settle

#[tokio::test]
async fn settling_a_succeeded_charge_commits_and_confirms_without_charging_again() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_lookup(Ok(Some(payment_view(
        &order.id,
        PaymentStatus::Succeeded,
        None,
    ))));

    h.saga.settle(&order).await.unwrap();

    assert_eq!(h.calls(), [lookup(&order), commit(&order)]);
    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
    assert_eq!(
        stored(&h, &order.id).await.payment_id,
        Some(format!("pay-{}", order.id))
    );
}

#[tokio::test]
async fn settling_a_never_charged_order_voids_the_key_then_releases_and_fails() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    // Unscripted: the lookup finds nothing and the void answers `voided`.

    h.saga.settle(&order).await.unwrap();

    assert_eq!(h.calls(), [lookup(&order), void(&order), release(&order)]);
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
}

#[tokio::test]
async fn settling_finds_a_charge_that_landed_before_the_void_and_confirms() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment
        .script_void(Ok(payment_view(&order.id, PaymentStatus::Succeeded, None)));

    h.saga.settle(&order).await.unwrap();

    assert_eq!(h.calls(), [lookup(&order), void(&order), commit(&order)]);
    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
}

#[tokio::test]
async fn settling_a_failed_charge_releases_and_fails() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_lookup(Ok(Some(payment_view(
        &order.id,
        PaymentStatus::Failed,
        Some("provider_timeout"),
    ))));

    h.saga.settle(&order).await.unwrap();

    assert_eq!(h.calls(), [lookup(&order), release(&order)]);
    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::PAYMENT_TIMEOUT),
    )
    .await;
}

#[tokio::test]
async fn settling_a_processing_charge_waits() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_lookup(Ok(Some(payment_view(
        &order.id,
        PaymentStatus::Processing,
        None,
    ))));

    h.saga.settle(&order).await.unwrap();

    assert_eq!(h.calls(), [lookup(&order)]);
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn settling_reports_a_lookup_that_fails_and_leaves_the_order_pending() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_lookup(Err(fakes::timeout("payment")));

    let err = h.saga.settle(&order).await.unwrap_err();

    assert!(matches!(err, ApiError::GatewayTimeout(_)), "{err:?}");
    assert_eq!(h.calls(), [lookup(&order)]);
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn settling_reports_a_void_that_fails_and_releases_nothing() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    h.payment.script_void(Err(fakes::unreachable("payment")));

    assert!(h.saga.settle(&order).await.is_err());

    assert_eq!(
        h.calls(),
        [lookup(&order), void(&order)],
        "an unfenced key could still charge: the stock stays held"
    );
    assert_stored(&h, &order, OrderStatus::Pending, None).await;
}

#[tokio::test]
async fn settling_a_free_order_commits_without_asking_payment() {
    let h = Harness::new().await;
    let order = free_order(&h).await;

    h.saga.settle(&order).await.unwrap();

    assert_eq!(h.calls(), [commit(&order)]);
    assert_stored(&h, &order, OrderStatus::Confirmed, None).await;
}

#[tokio::test]
async fn the_reconciler_settles_stale_pending_orders_and_finishes_stale_cancellations() {
    let h = Harness::new().await;
    let pending = paid_order(&h).await;
    let cancelling = order_in(&h, OrderStatus::Cancelling).await;
    tokio::time::sleep(Duration::from_millis(5)).await;

    let settled = h.saga.reconcile_once(Duration::ZERO).await.unwrap();

    assert_eq!(settled, 1);
    assert_eq!(
        h.calls(),
        [
            lookup(&pending),
            void(&pending),
            release(&pending),
            refund(&cancelling),
            release(&cancelling)
        ]
    );
    assert_stored(
        &h,
        &pending,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
    assert_stored(&h, &cancelling, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn the_reconciler_leaves_fresh_orders_alone() {
    let h = Harness::new().await;
    paid_order(&h).await;

    let settled = h
        .saga
        .reconcile_once(Duration::from_secs(60))
        .await
        .unwrap();

    assert_eq!(settled, 0);
    assert!(h.calls().is_empty());
}

// -------------------------------------------------------------------------------- cancel

#[tokio::test]
async fn cancelling_a_confirmed_order_refunds_once_by_key_releases_and_cancels() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Confirmed).await;

    h.saga.cancel(&order).await.unwrap();

    assert_eq!(h.calls(), [refund(&order), release(&order)]);
    assert_stored(&h, &order, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn cancelling_a_confirmed_free_order_only_releases() {
    let h = Harness::new().await;
    let order = free_order(&h).await;
    store::transition(
        &h.db,
        &order.id,
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        None,
        None,
    )
    .await
    .unwrap();
    let order = stored(&h, &order.id).await;

    h.saga.cancel(&order).await.unwrap();

    assert_eq!(h.calls(), [release(&order)]);
    assert_stored(&h, &order, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn cancelling_an_interrupted_cancellation_finishes_it() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Cancelling).await;

    h.saga.cancel(&order).await.unwrap();

    assert_eq!(h.calls(), [refund(&order), release(&order)]);
    assert_stored(&h, &order, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn cancelling_a_cancelled_order_does_nothing() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Cancelled).await;

    h.saga.cancel(&order).await.unwrap();

    assert!(h.calls().is_empty());
    assert_stored(&h, &order, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn pending_and_failed_orders_are_not_cancellable() {
    let h = Harness::new().await;
    for status in [OrderStatus::Pending, OrderStatus::Failed] {
        let order = order_in(&h, status).await;

        let err = h.saga.cancel(&order).await.unwrap_err();

        assert!(
            matches!(
                err,
                ApiError::Conflict {
                    code: "not_cancellable",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(stored(&h, &order.id).await.status, status);
    }
    assert!(h.calls().is_empty());
}

#[tokio::test]
async fn a_cancel_whose_refund_already_happened_still_releases_and_cancels() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Confirmed).await;
    h.payment
        .script_refund(Err(fakes::status("payment", 409, "already_refunded")));

    h.saga.cancel(&order).await.unwrap();

    assert_eq!(h.calls(), [refund(&order), release(&order)]);
    assert_stored(&h, &order, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn a_cancel_meeting_another_conflict_stays_cancelling_for_the_reconciler() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Confirmed).await;
    h.payment
        .script_refund(Err(fakes::status("payment", 409, "refund_in_progress")));

    let err = h.saga.cancel(&order).await.unwrap_err();

    assert!(
        matches!(err, ApiError::BadGateway(_)),
        "another 409 is an upstream failure to retry, not already_refunded: {err:?}"
    );
    assert_eq!(h.calls(), [refund(&order)], "no release before the refund");
    assert_stored(&h, &order, OrderStatus::Cancelling, None).await;
}

#[tokio::test]
async fn a_cancel_whose_refund_does_not_answer_stays_cancelling() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Confirmed).await;
    h.payment.script_refund(Err(fakes::timeout("payment")));

    assert!(h.saga.cancel(&order).await.is_err());

    assert_eq!(h.calls(), [refund(&order)]);
    assert_stored(&h, &order, OrderStatus::Cancelling, None).await;
}

#[tokio::test]
async fn a_cancel_whose_release_fails_stays_cancelling_and_is_finished_later() {
    let h = Harness::new().await;
    let order = order_in(&h, OrderStatus::Confirmed).await;
    h.catalog.script_release(Err(fakes::unreachable("catalog")));

    assert!(h.saga.cancel(&order).await.is_err());
    assert_eq!(h.calls(), [refund(&order), release(&order)]);
    assert_stored(&h, &order, OrderStatus::Cancelling, None).await;

    // Finishing repeats the refund under the same key (payment replays it) and releases.
    let order = stored(&h, &order.id).await;
    h.saga.cancel(&order).await.unwrap();
    assert_eq!(
        h.calls(),
        [
            refund(&order),
            release(&order),
            refund(&order),
            release(&order)
        ]
    );
    assert_stored(&h, &order, OrderStatus::Cancelled, None).await;
}

#[tokio::test]
async fn failing_an_order_someone_else_already_settled_keeps_its_first_outcome() {
    let h = Harness::new().await;
    let order = paid_order(&h).await;
    store::transition(
        &h.db,
        &order.id,
        OrderStatus::Pending,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
        None,
    )
    .await
    .unwrap();
    h.payment.script_charge(Ok(done(
        &order,
        PaymentStatus::Declined,
        Some("card_declined"),
    )));

    h.saga.checkout(&order).await.unwrap();

    assert_stored(
        &h,
        &order,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
}

#[tokio::test]
async fn the_reconciler_skips_an_order_it_cannot_settle_yet_and_settles_the_rest() {
    let h = Harness::new().await;
    let stuck = paid_order(&h).await;
    // The reconciler takes the oldest first; apart by a few ms so the order is certain.
    tokio::time::sleep(Duration::from_millis(3)).await;
    let settles = paid_order(&h).await;
    h.payment.script_lookup(Err(fakes::unreachable("payment")));
    tokio::time::sleep(Duration::from_millis(5)).await;

    let settled = h.saga.reconcile_once(Duration::ZERO).await.unwrap();

    assert_eq!(settled, 1);
    assert_eq!(
        h.calls(),
        [
            lookup(&stuck),
            lookup(&settles),
            void(&settles),
            release(&settles)
        ]
    );
    assert_stored(&h, &stuck, OrderStatus::Pending, None).await;
    assert_stored(
        &h,
        &settles,
        OrderStatus::Failed,
        Some(reason::CHECKOUT_INTERRUPTED),
    )
    .await;
}
