import { useState, type FormEvent } from 'react';
import { ErrorMessage, Notice } from '../components/ui';
import { useI18n } from '../i18n';
import { isoDate } from '../lib/format';
import { useAdminT } from './messages';
import { adminWrite, items, num, useAction } from './util';

const DAYS = [1, 2, 3, 4, 5, 6, 7];

/** Creates every flight of a route on chosen weekdays between two dates (POST /api/admin/schedules). */
export function NewSchedule({ onCreated }: { onCreated: () => void }) {
  const a = useAdminT();
  const { t, locale } = useI18n();
  const [f, setF] = useState({
    flight_number: '',
    origin: '',
    destination: '',
    departure_time: '09:00',
    duration_minutes: '120',
    aircraft: 'A321',
    from: isoDate(1),
    to: isoDate(30),
    eco: ['15000', '20000', '30000'],
    biz: ['45000', '60000', '90000'],
  });
  const [days, setDays] = useState<number[]>(DAYS);
  const [done, setDone] = useState<string | null>(null);
  const act = useAction();
  const weekday = (d: number) => new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2026, 10, 1 + d))); // 2026-11-02 is a Monday

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const fares = (cabin: string, [basic, standard, flex]: string[]) => ({ cabin, basic: Number(basic), standard: Number(standard), flex: Number(flex), currency: 'USD' });
    const res = await act.run(() =>
      adminWrite('/api/admin/schedules', 'POST', {
        flight_number: f.flight_number.trim().toUpperCase(),
        origin: f.origin.trim().toUpperCase(),
        destination: f.destination.trim().toUpperCase(),
        days_of_week: days,
        departure_time: f.departure_time,
        duration_minutes: Number(f.duration_minutes),
        aircraft: f.aircraft,
        from: f.from,
        to: f.to,
        fares: [fares('economy', f.eco), fares('business', f.biz), ...(f.aircraft === 'B789' ? [fares('premium_economy', f.eco.map((x) => String(Math.round(Number(x) * 1.6))))] : [])],
      }),
    );
    if (res) {
      setDone(a('scheduleCreated', { n: items((res as Record<string, unknown>).created).length, existing: num(res, 'existing') ?? 0 }));
      onCreated();
    }
  };
  const text = (k: 'flight_number' | 'origin' | 'destination' | 'departure_time' | 'duration_minutes' | 'from' | 'to', label: string, props: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`ns-${k}`}>{label}</label>
      <input id={`ns-${k}`} required value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} {...props} />
    </div>
  );
  const fare = (cabin: 'eco' | 'biz', i: number, label: string) => (
    <div className="field" key={`${cabin}${i}`}>
      <label htmlFor={`ns-${cabin}-${i}`}>{label}</label>
      <input
        id={`ns-${cabin}-${i}`}
        type="number"
        min={0}
        required
        value={f[cabin][i]}
        onChange={(e) => setF({ ...f, [cabin]: f[cabin].map((v, j) => (j === i ? e.target.value : v)) })}
      />
    </div>
  );
  return (
    <form className="card" onSubmit={submit}>
      <h2>{a('newSchedule')}</h2>
      <div className="form-grid">
        {text('flight_number', a('number'), { placeholder: 'WF 900' })}
        {text('origin', a('origin'), { maxLength: 3, className: 'mono' })}
        {text('destination', a('destination'), { maxLength: 3, className: 'mono' })}
        {text('departure_time', a('departureTime'), { type: 'time' })}
        {text('duration_minutes', a('durationMinutes'), { type: 'number', min: 1 })}
        <div className="field">
          <label htmlFor="ns-aircraft">{a('aircraft')}</label>
          <select id="ns-aircraft" value={f.aircraft} onChange={(e) => setF({ ...f, aircraft: e.target.value })}>
            <option value="A321">Airbus A321neo</option>
            <option value="B789">Boeing 787-9</option>
          </select>
        </div>
        {text('from', a('firstDate'), { type: 'date' })}
        {text('to', a('lastDate'), { type: 'date' })}
      </div>
      <fieldset className="stack">
        <legend>{a('days')}</legend>
        <div className="actions">
          {DAYS.map((d) => (
            <label key={d} className="radio-card" style={{ marginBottom: 0 }}>
              <input type="checkbox" checked={days.includes(d)} onChange={(e) => setDays(e.target.checked ? [...days, d].sort() : days.filter((x) => x !== d))} />
              {weekday(d)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="form-grid">
        {fare('eco', 0, `${t('flights.cabin.economy')} · ${t('flights.fare.basic')}`)}
        {fare('eco', 1, `${t('flights.cabin.economy')} · ${t('flights.fare.standard')}`)}
        {fare('eco', 2, `${t('flights.cabin.economy')} · ${t('flights.fare.flex')}`)}
        {fare('biz', 0, `${t('flights.cabin.business')} · ${t('flights.fare.basic')}`)}
        {fare('biz', 1, `${t('flights.cabin.business')} · ${t('flights.fare.standard')}`)}
        {fare('biz', 2, `${t('flights.cabin.business')} · ${t('flights.fare.flex')}`)}
      </div>
      <p className="muted small">{a('faresMinor')}</p>
      {act.error ? <ErrorMessage error={act.error} /> : null}
      {done ? <Notice kind="success">{done}</Notice> : null}
      <p>
        <button type="submit" className="btn btn-primary" disabled={act.busy || days.length === 0}>
          {t('common.create')}
        </button>
      </p>
    </form>
  );
}
