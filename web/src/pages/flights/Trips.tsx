import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { bookings, type SeatChoice } from '../../api/endpoints';
import type { BookingView } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { SegmentLine } from '../../components/Itinerary';
import { Pager, useCursorPages } from '../../components/Pager';
import { SeatPicker, type SeatSelection } from '../../components/SeatPicker';
import { Empty, ErrorMessage, Money, Notice, PageTitle, Skeleton, StatusBadge } from '../../components/ui';
import { useI18n } from '../../i18n';
import { expectedRefund } from '../../lib/flights';
import { formatDate, formatMoney } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { PaymentPanel, PriceBreakdown } from './PaymentPanel';

export function Trips() {
  const { t, locale } = useI18n();
  const pages = useCursorPages('trips');
  const list = useAsync((s) => bookings.list({ limit: 10, cursor: pages.cursor }, s), [pages.cursor]);
  return (
    <section>
      <PageTitle>{t('booking.trips')}</PageTitle>
      {list.status === 'error' ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Skeleton lines={4} />
      ) : list.data.items.length === 0 ? (
        <Empty action={<Link to="/flights">{t('flights.title')}</Link>}>{t('booking.noTrips')}</Empty>
      ) : (
        <>
          <ul className="list">
            {list.data.items.map((b) => {
              const first = b.segments[0];
              const last = b.segments[b.segments.length - 1];
              return (
                <li key={b.id} className="card list-row">
                  <div>
                    <Link to={`/trips/${b.id}`} className="strong">
                      {first?.origin} → {last?.destination} · {b.pnr}
                    </Link>
                    {first ? <p className="muted small">{formatDate(first.departure.utc, locale, first.departure.time_zone)}</p> : null}
                  </div>
                  <div className="list-row-end">
                    <StatusBadge status={b.status} />
                    <Money amount={b.total} currency={b.currency} />
                  </div>
                </li>
              );
            })}
          </ul>
          <Pager page={pages.page} hasPrev={pages.hasPrev} hasNext={!!list.data.next_cursor} onPrev={pages.prev} onNext={() => list.data?.next_cursor && pages.next(list.data.next_cursor)} />
        </>
      )}
    </section>
  );
}

export function Trip() {
  const { id = '' } = useParams();
  const { t, locale } = useI18n();
  const location = useLocation();
  const justBooked = (location.state as { justBooked?: boolean } | null)?.justBooked;
  const b = useAsync((s) => bookings.get(id, s), [id]);
  const [dialog, setDialog] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [seats, setSeats] = useState<SeatSelection>({});
  const [notice, setNotice] = useState<string | null>(null);

  if (b.status === 'error' && !b.data) return <ErrorMessage error={b.error} onRetry={b.reload} />;
  if (!b.data) return <Skeleton lines={8} />;
  const booking = b.data;
  const refund = expectedRefund(booking);
  const changeable = booking.status === 'confirmed' || booking.status === 'held';

  const startEdit = () => {
    const sel: SeatSelection = {};
    for (const p of booking.passengers) for (const s of p.seats) (sel[s.flight_id] ??= {})[p.index] = s.seat;
    setSeats(sel);
    setEditing(true);
    setNotice(null);
  };
  const own: Record<string, Set<string>> = {};
  for (const p of booking.passengers) for (const s of p.seats) (own[s.flight_id] ??= new Set()).add(s.seat);

  const saveSeats = async () => {
    const changes: SeatChoice[] = [];
    for (const [flight_id, byPax] of Object.entries(seats))
      for (const [p, seat] of Object.entries(byPax)) {
        const before = booking.passengers[Number(p)]?.seats.find((s) => s.flight_id === flight_id)?.seat;
        if (seat !== before) changes.push({ passenger: Number(p), flight_id, seat });
      }
    setBusy(true);
    setError(null);
    try {
      if (changes.length) b.set(await bookings.changeSeats(booking.id, changes));
      setEditing(false);
      setNotice(t('booking.seatsSaved'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      b.set(await bookings.cancel(booking.id));
      setDialog(false);
    } catch (e) {
      setError(e);
      setDialog(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p>
        <Link to="/trips">← {t('booking.trips')}</Link>
      </p>
      <PageTitle>{t('booking.title')}</PageTitle>
      {justBooked && booking.status === 'confirmed' ? <Notice kind="success">{t('booking.confirmed')}</Notice> : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {booking.status === 'cancelled' ? (
        <Notice kind="warning">
          <strong>{t('booking.cancelled')}</strong>
          {booking.cancel_reason ? <> {t('booking.cancelReason', { reason: booking.cancel_reason })}</> : null}{' '}
          {booking.refunded_amount > 0 ? t('booking.refunded', { amount: formatMoney(booking.refunded_amount, booking.currency, locale) }) : null}
        </Notice>
      ) : null}
      {error ? <ErrorMessage error={error} focus /> : null}
      <div className="trip-grid">
        <div className="card">
          <div className="pnr-row">
            <div>
              <span className="muted small">{t('booking.pnr')}</span>
              <p className="pnr" data-testid="pnr">
                {booking.pnr}
              </p>
            </div>
            <StatusBadge status={booking.status} />
          </div>
          {booking.segments.map((s) => (
            <SegmentLine key={s.flight_id} s={s} />
          ))}
          <p className="muted small">
            {t(`flights.cabin.${booking.cabin}` as never)} · {t(`flights.fare.${booking.fare_family}` as never)} · {t('flights.localTimes')}
          </p>
          <h2>{t('booking.passengers')}</h2>
          <ul className="list plain">
            {booking.passengers.map((p) => {
              const ticket = booking.tickets.find((tk) => tk.passenger === p.index);
              return (
                <li key={p.index} className="passenger-row">
                  <span className="strong">
                    {p.given_name} {p.family_name}
                  </span>
                  <span className="muted small">{t(`booking.type.${p.type}` as never)}</span>
                  <span>
                    {p.seats.map((s) => {
                      const seg = booking.segments.find((x) => x.flight_id === s.flight_id);
                      return (
                        <span key={s.flight_id} className="chip static">
                          {seg?.number} · {s.seat}
                        </span>
                      );
                    })}
                  </span>
                  {ticket ? (
                    <span className={`ticket ${ticket.status}`} data-testid="ticket">
                      {t('booking.ticket', { number: ticket.number })} <StatusBadge status={ticket.status} />
                    </span>
                  ) : null}
                </li>
              );
            })}
          </ul>
          {booking.tickets.length > 0 ? (
            <p className="muted small">
              {t('booking.tickets')}: {booking.tickets.length}
            </p>
          ) : null}
        </div>
        <div className="stack">
          {booking.status === 'held' ? (
            <PaymentPanel booking={booking} onDone={(nb) => b.set(nb)} />
          ) : (
            <div className="card">
              <h2>{t('booking.price')}</h2>
              <PriceBreakdown booking={booking} />
            </div>
          )}
          {changeable ? (
            <div className="card actions">
              <button type="button" className="btn btn-secondary" onClick={editing ? () => setEditing(false) : startEdit}>
                {editing ? t('common.cancel') : t('booking.changeSeats')}
              </button>
              {booking.status === 'confirmed' ? (
                <button type="button" className="btn btn-danger" onClick={() => setDialog(true)}>
                  {t('booking.cancel')}
                </button>
              ) : null}
            </div>
          ) : null}
        </div>
      </div>
      {editing ? (
        <div className="card">
          <SeatPicker
            segments={booking.segments.map((s) => ({ flight_id: s.flight_id, label: `${s.number} ${s.origin}→${s.destination}` }))}
            passengers={booking.passengers.filter((p) => p.type !== 'infant').map((p) => `${p.given_name} ${p.family_name}`)}
            cabin={booking.cabin}
            family={booking.fare_family}
            value={seats}
            onChange={setSeats}
            own={own}
          />
          <button type="button" className="btn btn-primary" onClick={saveSeats} disabled={busy}>
            {t('booking.saveSeats')}
          </button>
        </div>
      ) : null}
      {dialog ? (
        <ConfirmDialog title={t('booking.cancelTitle')} confirmLabel={t('booking.confirmCancel')} busy={busy} onConfirm={cancel} onCancel={() => setDialog(false)}>
          <p className="price-large" data-testid="refund-preview">
            {refund > 0 ? t('booking.refundWillBe', { amount: formatMoney(refund, booking.currency, locale) }) : t('booking.noRefund')}
          </p>
          <p className="muted small">
            {t(`flights.fare.${booking.fare_family}` as never)}: {t(`flights.fare.${booking.fare_family}.desc` as never)}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export type { BookingView };
