import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { bookings, type PassengerInput, type SeatChoice } from '../../api/endpoints';
import { isApiError } from '../../api/problem';
import type { BookingView } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { ItinerarySummary } from '../../components/Itinerary';
import { SeatPicker, type SeatSelection } from '../../components/SeatPicker';
import { Empty, ErrorMessage, PageTitle } from '../../components/ui';
import { useI18n } from '../../i18n';
import { clearDraft, loadDraft } from '../../lib/flights';
import { IntentKey, outcomeUnknown } from '../../lib/idempotency';
import { PaymentPanel } from './PaymentPanel';

const PASSENGER_TYPES = ['adult', 'child', 'infant'] as const;

export function BookFlight() {
  const { t } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const [draft] = useState(loadDraft);
  const [pax, setPax] = useState<PassengerInput[]>(() =>
    Array.from({ length: draft?.passengers ?? 1 }, () => ({ type: 'adult', given_name: '', family_name: '', birth_date: '' })),
  );
  const [email, setEmail] = useState(user?.email ?? '');
  const [seats, setSeats] = useState<SeatSelection>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [booking, setBooking] = useState<BookingView | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const intent = useRef(new IntentKey());
  const inFlight = useRef(false);

  if (!draft)
    return (
      <section>
        <PageTitle>{t('booking.title')}</PageTitle>
        <Empty action={<Link to="/flights">{t('flights.title')}</Link>}>{t('booking.expired')}</Empty>
      </section>
    );

  const itineraries = [draft.outbound, ...(draft.inbound ? [draft.inbound] : [])];
  const segments = itineraries.flatMap((it) => it.segments);
  const names = pax.map((p) => [p.given_name, p.family_name].filter(Boolean).join(' '));

  const update = (i: number, patch: Partial<PassengerInput>) => setPax((list) => list.map((p, j) => (j === i ? { ...p, ...patch } : p)));

  const hold = async (e: FormEvent) => {
    e.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    const seatList: SeatChoice[] = [];
    for (const [flight_id, byPax] of Object.entries(seats))
      for (const [p, seat] of Object.entries(byPax)) if (pax[Number(p)]?.type !== 'infant') seatList.push({ passenger: Number(p), flight_id, seat });
    const body = {
      segments: segments.map((s) => s.flight_id),
      cabin: draft.cabin,
      fare_family: draft.fare_family,
      passengers: pax.map((p) => ({ ...p, given_name: p.given_name.trim(), family_name: p.family_name.trim() })),
      seats: seatList,
      contact_email: email.trim(),
    };
    try {
      const res = await bookings.create(body, intent.current.for(body));
      setBooking(res.data);
    } catch (err) {
      if (!outcomeUnknown(err)) intent.current.settle();
      setError(err);
      if (isApiError(err) && err.code === 'seat_unavailable') {
        // Drop the seat someone else took and redraw the maps.
        const taken = String(err.problem.seat ?? '');
        const flight = String(err.problem.flight_id ?? '');
        setSeats((cur) => {
          const next: SeatSelection = {};
          for (const [f, byPax] of Object.entries(cur))
            next[f] = Object.fromEntries(Object.entries(byPax).filter(([, d]) => !(d === taken && (!flight || f === flight))));
          return next;
        });
        setReloadKey((k) => k + 1);
      }
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return (
    <section>
      <PageTitle>{t('booking.title')}</PageTitle>
      <div className="card">
        {itineraries.map((it, i) => (
          <div key={i}>
            {itineraries.length > 1 ? <h3>{i === 0 ? t('flights.outbound') : t('flights.inbound')}</h3> : null}
            <ItinerarySummary it={it} />
          </div>
        ))}
        <p className="muted small">
          {t(`flights.cabin.${draft.cabin}` as never)} · {t(`flights.fare.${draft.fare_family}` as never)}
        </p>
      </div>

      {booking ? (
        <PaymentPanel
          booking={booking}
          onDone={(b) => {
            clearDraft();
            navigate(`/trips/${b.id}`, { state: { justBooked: true } });
          }}
        />
      ) : (
        <form onSubmit={hold} className="stack">
          <section className="card" aria-labelledby="pax-h">
            <h2 id="pax-h">{t('booking.passengers')}</h2>
            {pax.map((p, i) => (
              <fieldset key={i} className="passenger">
                <legend>{t('booking.passenger', { n: i + 1 })}</legend>
                <div className="form-grid">
                  <div className="field">
                    <label htmlFor={`p${i}-type`}>{t('booking.type')}</label>
                    <select id={`p${i}-type`} value={p.type} onChange={(e) => update(i, { type: e.target.value as PassengerInput['type'] })}>
                      {PASSENGER_TYPES.map((ty) => (
                        <option key={ty} value={ty}>
                          {t(`booking.type.${ty}`)}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div className="field">
                    <label htmlFor={`p${i}-given`}>{t('booking.givenName')}</label>
                    <input id={`p${i}-given`} required autoComplete={i === 0 ? 'given-name' : 'off'} value={p.given_name} onChange={(e) => update(i, { given_name: e.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor={`p${i}-family`}>{t('booking.familyName')}</label>
                    <input id={`p${i}-family`} required autoComplete={i === 0 ? 'family-name' : 'off'} value={p.family_name} onChange={(e) => update(i, { family_name: e.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor={`p${i}-birth`}>{t('booking.birthDate')}</label>
                    <input id={`p${i}-birth`} type="date" required value={p.birth_date} onChange={(e) => update(i, { birth_date: e.target.value })} />
                  </div>
                </div>
              </fieldset>
            ))}
            <div className="field">
              <label htmlFor="contact-email">{t('booking.contactEmail')}</label>
              <input id="contact-email" type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
          </section>
          <section className="card" aria-labelledby="seats-h">
            <h2 id="seats-h">{t('booking.seats')}</h2>
            <SeatPicker
              segments={segments.map((s) => ({ flight_id: s.flight_id, label: `${s.number} ${s.origin}→${s.destination}` }))}
              passengers={names}
              cabin={draft.cabin}
              family={draft.fare_family}
              value={seats}
              onChange={setSeats}
              reloadKey={reloadKey}
            />
          </section>
          {error ? <ErrorMessage error={error} focus /> : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="hold">
            {busy ? t('booking.holding') : t('booking.hold')}
          </button>
        </form>
      )}
    </section>
  );
}
