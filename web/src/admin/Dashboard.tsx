import { useState } from 'react';
import { get } from '../api/http';
import { ErrorMessage, Notice, PageTitle, Skeleton } from '../components/ui';
import { useI18n } from '../i18n';
import { formatDateTime, formatMoney, isoDate } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { BarChart, LoadBar } from './Charts';
import { useAdminT } from './messages';
import { field, items, num, str, type Row } from './util';

function byCurrency(rows: Row[], value: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const cur = str(r, 'currency') || '—';
    const day = str(r, 'day', 'date');
    const m = out.get(cur) ?? new Map<string, number>();
    m.set(day, (m.get(day) ?? 0) + (num(r, value) ?? 0));
    out.set(cur, m);
  }
  return out;
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= end && out.length < 400; d += 86400000) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

export function Dashboard() {
  const { t, locale } = useI18n();
  const a = useAdminT();
  const [range, setRange] = useState({ from: isoDate(-29), to: isoDate(0) });
  const [form, setForm] = useState(range);
  const s = useAsync((signal) => get<Row>('/api/admin/summary', range, signal), [range.from, range.to]);
  const data = s.data;

  const money = (v: number, cur: string) => (cur === '—' ? String(v) : formatMoney(v, cur, locale));
  const perDay = byCurrency(items(field(data, 'orders', 'per_day')), 'revenue');
  const bookingsPerDay = byCurrency(items(field(data, 'bookings', 'per_day')), 'revenue');
  const orderCount = items(field(data, 'orders', 'per_day')).reduce((n, r) => n + (num(r, 'orders', 'count') ?? 0), 0);
  const bookingCount = items(field(data, 'bookings', 'per_day')).reduce((n, r) => n + (num(r, 'bookings', 'count') ?? 0), 0);
  const decline = num(data, 'decline_rate');
  const unavailable = items(field(data, 'unavailable')).map(String);
  const allDays = days(range.from, range.to);

  return (
    <section>
      <PageTitle>{t('admin.dashboard')}</PageTitle>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setRange(form);
        }}
      >
        <div className="field">
          <label htmlFor="d-from">{a('from')}</label>
          <input id="d-from" type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="d-to">{a('to')}</label>
          <input id="d-to" type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </div>
        <button className="btn btn-secondary" type="submit">
          {a('apply')}
        </button>
      </form>
      {s.status === 'error' ? <ErrorMessage error={s.error} onRetry={s.reload} /> : null}
      {!data ? (
        s.status === 'loading' ? <Skeleton lines={8} /> : null
      ) : (
        <div className={s.status === 'loading' ? 'stale' : undefined}>
          {unavailable.length ? <Notice kind="warning">{a('unavailable', { services: unavailable.join(', ') })}</Notice> : null}
          <div className="kpis">
            <div className="kpi">
              <div className="kpi-label">{a('orders')}</div>
              <div className="kpi-value">{orderCount}</div>
            </div>
            {[...perDay].map(([cur, m]) => (
              <div className="kpi" key={`r${cur}`}>
                <div className="kpi-label">
                  {a('revenue')} ({cur})
                </div>
                <div className="kpi-value">{money([...m.values()].reduce((x, y) => x + y, 0), cur)}</div>
              </div>
            ))}
            <div className="kpi">
              <div className="kpi-label">{a('bookings')}</div>
              <div className="kpi-value">{bookingCount}</div>
            </div>
            {[...bookingsPerDay].map(([cur, m]) => (
              <div className="kpi" key={`b${cur}`}>
                <div className="kpi-label">
                  {a('bookingRevenue')} ({cur})
                </div>
                <div className="kpi-value">{money([...m.values()].reduce((x, y) => x + y, 0), cur)}</div>
              </div>
            ))}
            {items(field(data, 'orders', 'refunds')).map((r) => (
              <div className="kpi" key={`rf${str(r, 'currency')}`}>
                <div className="kpi-label">
                  {a('refunds')} ({str(r, 'currency')})
                </div>
                <div className="kpi-value">
                  {num(r, 'count') ?? 0} · {money(num(r, 'amount') ?? 0, str(r, 'currency') || '—')}
                </div>
              </div>
            ))}
            <div className="kpi">
              <div className="kpi-label">{a('declineRate')}</div>
              <div className="kpi-value">{decline == null ? '—' : `${(decline * 100).toFixed(1)}%`}</div>
            </div>
          </div>
          <div className="two-col">
            <div className="stack">
              {[...perDay].map(([cur, m]) => (
                <div className="card" key={`c${cur}`}>
                  <h2>{a('revenuePerDay', { currency: cur })}</h2>
                  <BarChart label={a('revenuePerDay', { currency: cur })} data={allDays.map((d) => ({ x: d, y: m.get(d) ?? 0 }))} format={(v) => money(v, cur)} />
                </div>
              ))}
              {[...bookingsPerDay].map(([cur, m]) => (
                <div className="card" key={`cb${cur}`}>
                  <h2>{a('bookingsPerDay', { currency: cur })}</h2>
                  <BarChart label={a('bookingsPerDay', { currency: cur })} data={allDays.map((d) => ({ x: d, y: m.get(d) ?? 0 }))} format={(v) => money(v, cur)} />
                </div>
              ))}
              {perDay.size === 0 && bookingsPerDay.size === 0 ? <p className="muted">{a('noData')}</p> : null}
              <div className="card">
                <h2>{a('departures')}</h2>
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">{a('flight')}</th>
                        <th scope="col">{a('departure')}</th>
                        <th scope="col">{a('loadFactor')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {items(field(data, 'departures'))
                        .slice()
                        .sort((x, y) => (loadFactor(y) ?? 0) - (loadFactor(x) ?? 0) || str(x, 'departure.utc').localeCompare(str(y, 'departure.utc')))
                        .slice(0, 12)
                        .map((f, i) => (
                        <tr key={str(f, 'id', 'flight_id') || i}>
                          <td>
                            {str(f, 'number')} {str(f, 'origin')}→{str(f, 'destination')}
                          </td>
                          <td>{departureText(f, locale)}</td>
                          <td>
                            <LoadBar value={loadFactor(f)} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {items(field(data, 'departures')).length > 12 ? (
                  <p className="muted small">{a('moreDepartures', { n: items(field(data, 'departures')).length - 12 })}</p>
                ) : null}
              </div>
            </div>
            <div className="stack">
              <div className="card">
                <h2>{a('topProducts')}</h2>
                <ol className="small">
                  {items(field(data, 'top_products')).map((p, i) => (
                    <li key={str(p, 'product_id') || i}>
                      {str(p, 'name')} — {num(p, 'quantity') ?? 0} · {money(num(p, 'revenue') ?? 0, str(p, 'currency') || '—')}
                    </li>
                  ))}
                </ol>
              </div>
              <div className="card">
                <h2>{a('lowStock')}</h2>
                <ul className="small">
                  {items(field(data, 'low_stock')).map((p, i) => (
                    <li key={str(p, 'id') || i}>
                      {str(p, 'name')} — <strong>{num(p, 'stock') ?? 0}</strong>
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

export function loadFactor(f: Row): number | null {
  const lf = num(f, 'load_factor');
  if (lf != null) return lf;
  const sold = num(f, 'seats_sold', 'sold');
  const offered = num(f, 'seats_offered', 'capacity', 'seats');
  return sold != null && offered ? sold / offered : null;
}

export function departureText(f: Row, locale: string): string {
  const utc = str(f, 'departure.utc', 'departure_utc', 'departs_at', 'departure');
  const zone = str(f, 'departure.time_zone', 'time_zone') || undefined;
  if (!utc || Number.isNaN(Date.parse(utc))) return utc;
  try {
    return formatDateTime(utc, locale, zone);
  } catch {
    return formatDateTime(utc, locale);
  }
}
