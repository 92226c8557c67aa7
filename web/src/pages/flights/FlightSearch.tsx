import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { flights } from '../../api/endpoints';
import type { Itinerary } from '../../api/types';
import { AirportInput } from '../../components/AirportInput';
import { ItinerarySummary } from '../../components/Itinerary';
import { Empty, ErrorMessage, Money, PageTitle, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { CABINS, FARE_FAMILIES, saveDraft } from '../../lib/flights';
import { isoDate } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { PriceCalendar } from './PriceCalendar';

interface Choice {
  it: Itinerary;
  family: string;
}

const key = (it: Itinerary) => it.segments.map((s) => s.flight_id).join('+');

export function FlightSearch() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const date = params.get('date') ?? '';
  const ret = params.get('return_date') ?? '';
  const passengers = Number(params.get('passengers') ?? '1') || 1;
  const cabin = params.get('cabin') ?? 'economy';
  const sort = params.get('sort') ?? 'price';
  const searched = !!(from && to && date);

  const [form, setForm] = useState({ from, to, date: date || isoDate(1), ret: ret || isoDate(4), round: !!ret, passengers, cabin });
  const [formError, setFormError] = useState<string | null>(null);
  const [out, setOut] = useState<Choice | null>(null);
  const [back, setBack] = useState<Choice | null>(null);

  const results = useAsync(
    (s) =>
      searched
        ? flights.search({ from, to, date, passengers, cabin, sort, return_date: ret || undefined }, s)
        : Promise.resolve(null),
    [from, to, date, ret, passengers, cabin, sort],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!/^[A-Z]{3}$/.test(form.from) || !/^[A-Z]{3}$/.test(form.to)) {
      setFormError(t('flights.chooseAirport'));
      return;
    }
    setFormError(null);
    setOut(null);
    setBack(null);
    const next = new URLSearchParams({ from: form.from, to: form.to, date: form.date, passengers: String(form.passengers), cabin: form.cabin, sort });
    if (form.round) next.set('return_date', form.ret);
    setParams(next);
  };

  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    setParams(next);
  };

  const continueToBook = () => {
    if (!out) return;
    saveDraft({ outbound: out.it, inbound: back?.it, fare_family: out.family, cabin, passengers });
    navigate('/flights/book');
  };

  const data = results.data;
  const needsReturn = !!ret;
  const ready = !!out && (!needsReturn || !!back);

  return (
    <section>
      <PageTitle>{t('flights.title')}</PageTitle>
      <form className="card flight-form" onSubmit={submit} aria-label={t('flights.title')}>
        <fieldset className="trip-type">
          <legend className="sr-only">{t('flights.tripType')}</legend>
          <label>
            <input type="radio" name="trip" checked={!form.round} onChange={() => setForm({ ...form, round: false })} /> {t('flights.oneWay')}
          </label>
          <label>
            <input type="radio" name="trip" checked={form.round} onChange={() => setForm({ ...form, round: true })} /> {t('flights.return')}
          </label>
        </fieldset>
        <div className="form-grid">
          <AirportInput id="from" label={t('flights.from')} value={form.from} onChange={(c) => setForm((f) => ({ ...f, from: c }))} />
          <AirportInput id="to" label={t('flights.to')} value={form.to} onChange={(c) => setForm((f) => ({ ...f, to: c }))} />
          <div className="field">
            <label htmlFor="depart">{t('flights.depart')}</label>
            <input id="depart" type="date" value={form.date} min={isoDate(0)} required onChange={(e) => setForm({ ...form, date: e.target.value })} />
          </div>
          {form.round ? (
            <div className="field">
              <label htmlFor="return">{t('flights.returnDate')}</label>
              <input id="return" type="date" value={form.ret} min={form.date} required onChange={(e) => setForm({ ...form, ret: e.target.value })} />
            </div>
          ) : null}
          <div className="field">
            <label htmlFor="pax">{t('flights.passengers')}</label>
            <select id="pax" value={form.passengers} onChange={(e) => setForm({ ...form, passengers: Number(e.target.value) })}>
              {Array.from({ length: 9 }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="cabin">{t('flights.cabin')}</label>
            <select id="cabin" value={form.cabin} onChange={(e) => setForm({ ...form, cabin: e.target.value })}>
              {CABINS.map((c) => (
                <option key={c} value={c}>
                  {t(`flights.cabin.${c}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {formError ? (
          <p className="flag-text" role="alert">
            {formError}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary">
          {t('flights.search')}
        </button>
      </form>

      {!searched ? (
        <p className="muted">{t('flights.searchPrompt')}</p>
      ) : (
        <>
          <PriceCalendar from={from} to={to} date={date} cabin={cabin} onPick={(d) => setParam('date', d)} />
          <div className="results-head">
            <h2>{t('flights.results', { from, to })}</h2>
            <div className="field inline">
              <label htmlFor="sort">{t('flights.sort')}</label>
              <select id="sort" value={sort} onChange={(e) => setParam('sort', e.target.value)}>
                {(['price', 'duration', 'departure'] as const).map((s) => (
                  <option key={s} value={s}>
                    {t(`flights.sort.${s}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <p className="muted small">{t('flights.localTimes')}</p>
          {results.status === 'error' ? (
            <ErrorMessage error={results.error} onRetry={results.reload} />
          ) : !data ? (
            <Skeleton lines={6} />
          ) : (
            <div aria-live="polite" className={results.status === 'loading' ? 'stale' : undefined}>
              {needsReturn ? <h3>{t('flights.outbound')}</h3> : null}
              <ItineraryList items={data.items} chosen={out} onChoose={(c) => setOut(c)} />
              {needsReturn ? (
                <>
                  <h3>{t('flights.inbound')}</h3>
                  <ItineraryList
                    items={data.return_items ?? []}
                    chosen={back}
                    onChoose={(c) => {
                      setBack(c);
                      if (out) setOut({ ...out, family: c.family });
                    }}
                    family={out?.family}
                  />
                </>
              ) : null}
              <div className="sticky-bar">
                <span>{ready ? null : t('flights.chooseFare')}</span>
                <button type="button" className="btn btn-primary" disabled={!ready} onClick={continueToBook} data-testid="continue-booking">
                  {t('flights.continue')}
                </button>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function ItineraryList({ items, chosen, onChoose, family }: { items: Itinerary[]; chosen: Choice | null; onChoose: (c: Choice) => void; family?: string }) {
  const { t } = useI18n();
  if (items.length === 0) return <Empty>{t('flights.noResults')}</Empty>;
  return (
    <ul className="itineraries" data-testid="itineraries">
      {items.map((it) => {
        const k = key(it);
        return (
          <li key={k} className={chosen && key(chosen.it) === k ? 'card itinerary-card chosen' : 'card itinerary-card'}>
            <ItinerarySummary it={it} />
            <div className="fares" role="group" aria-label={it.segments.map((s) => s.number).join(' + ')}>
              {FARE_FAMILIES.map((ff) => {
                const fare = it.fares.find((f) => f.fare_family === ff);
                if (!fare) return <div key={ff} className="fare missing" />;
                const selected = !!chosen && key(chosen.it) === k && chosen.family === ff;
                return (
                  <button
                    key={ff}
                    type="button"
                    className={selected ? 'fare selected' : family && family !== ff ? 'fare dim' : 'fare'}
                    aria-pressed={selected}
                    onClick={() => onChoose({ it, family: ff })}
                    data-fare={ff}
                  >
                    <span className="fare-name">{t(`flights.fare.${ff}`)}</span>
                    <span className="fare-price">
                      <Money amount={fare.price} currency={fare.currency} />
                    </span>
                    <span className="fare-note">{t('flights.perPassenger')}</span>
                    <span className="fare-desc">{t(`flights.fare.${ff}.desc`)}</span>
                  </button>
                );
              })}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
