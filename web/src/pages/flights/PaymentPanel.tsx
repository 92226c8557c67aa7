import { useRef, useState, type FormEvent } from 'react';
import { bookings } from '../../api/endpoints';
import { isApiError } from '../../api/problem';
import type { BookingView } from '../../api/types';
import { PaymentMethods } from '../../components/PaymentMethods';
import { ErrorMessage, Money, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import { countdown, formatMoney } from '../../lib/format';
import { IntentKey, outcomeUnknown } from '../../lib/idempotency';
import { useNow } from '../../lib/useAsync';

/** Pays a held booking before `payment_required_by`, with a countdown. */
export function PaymentPanel({ booking, onDone }: { booking: BookingView; onDone: (b: BookingView) => void }) {
  const { t, locale } = useI18n();
  const now = useNow(1000);
  const [method, setMethod] = useState('pm_card_ok');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const intent = useRef(new IntentKey());
  const inFlight = useRef(false);
  const left = countdown(booking.payment_required_by, now);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (inFlight.current || !left) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    const key = intent.current.for({ booking: booking.id, method });
    try {
      const res = await bookings.confirm(booking.id, method, key);
      intent.current.settle();
      onDone(res.data);
    } catch (err) {
      if (!outcomeUnknown(err)) intent.current.settle();
      setError(err);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const expired = !left || (isApiError(error) && error.code === 'hold_expired');
  return (
    <form className="card payment-panel" onSubmit={submit} aria-labelledby="pay-h">
      <h2 id="pay-h">{t('booking.payTitle')}</h2>
      {expired ? (
        <Notice kind="warning">{t('booking.expired')}</Notice>
      ) : (
        <p className="countdown" role="timer" aria-live="off" data-testid="countdown">
          {t('booking.payBy', { time: left })}
        </p>
      )}
      <PriceBreakdown booking={booking} />
      <PaymentMethods value={method} onChange={setMethod} name="booking_payment" />
      {error ? <ErrorMessage error={error} focus /> : null}
      <button type="submit" className="btn btn-primary btn-block" disabled={busy || expired} data-testid="pay-booking">
        {busy ? t('booking.paying') : t('booking.pay', { amount: formatMoney(booking.total, booking.currency, locale) })}
      </button>
    </form>
  );
}

export function PriceBreakdown({ booking }: { booking: BookingView }) {
  const { t } = useI18n();
  const p = booking.price;
  return (
    <dl className="price-breakdown">
      <dt>
        {t('booking.fare')} ({t(`flights.fare.${booking.fare_family}` as never)})
      </dt>
      <dd>
        <Money amount={p.fare_total} currency={p.currency} />
      </dd>
      <dt>{t('booking.seatCharges')}</dt>
      <dd>
        <Money amount={p.seat_total} currency={p.currency} />
      </dd>
      {p.seat_surcharges.map((s) => (
        <SurchargeRow key={`${s.flight_id}-${s.seat}`} seat={s.seat} amount={s.amount} currency={p.currency} />
      ))}
      <dt className="strong">{t('booking.total')}</dt>
      <dd className="strong">
        <Money amount={p.total} currency={p.currency} />
      </dd>
    </dl>
  );
}

function SurchargeRow({ seat, amount, currency }: { seat: string; amount: number; currency: string }) {
  const { t } = useI18n();
  if (amount === 0) return null;
  return (
    <>
      <dt className="sub">{t('booking.seat', { seat })}</dt>
      <dd className="sub">
        <Money amount={amount} currency={currency} />
      </dd>
    </>
  );
}
