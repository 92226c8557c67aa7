import { useEffect, useState } from 'react';
import { flights } from '../../api/endpoints';
import { ErrorMessage, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { formatMoney, formatMoneyShort } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month's lowest fare per day; a day is a button that searches that date. */
export function PriceCalendar({ from, to, date, cabin, onPick }: { from: string; to: string; date: string; cabin: string; onPick: (d: string) => void }) {
  const { t, locale } = useI18n();
  const [month, setMonth] = useState(date.slice(0, 7));
  useEffect(() => setMonth(date.slice(0, 7)), [date]);
  const cal = useAsync((s) => flights.calendar({ from, to, month, cabin }, s), [from, to, month, cabin]);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const monthLabel = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
  const firstDow = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
  const days = cal.data?.items ?? [];
  const prices = days.map((d) => d.lowest_price).filter((p): p is number => p != null);
  const min = prices.length ? Math.min(...prices) : null;
  const weekdays = Array.from({ length: 7 }, (_, i) =>
    new Intl.DateTimeFormat(locale, { weekday: 'narrow', timeZone: 'UTC' }).format(new Date(Date.UTC(2026, 10, 1 + i))),
  );
  const thisMonth = new Date().toISOString().slice(0, 7);

  return (
    <section className="card calendar" aria-labelledby="cal-h">
      <div className="calendar-head">
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setMonth(shiftMonth(month, -1))} disabled={month <= thisMonth} aria-label={t('flights.calendarPrev')}>
          ‹
        </button>
        <h2 id="cal-h">{t('flights.calendar', { month: monthLabel })}</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setMonth(shiftMonth(month, 1))} aria-label={t('flights.calendarNext')}>
          ›
        </button>
      </div>
      {cal.status === 'error' ? (
        <ErrorMessage error={cal.error} onRetry={cal.reload} />
      ) : !cal.data ? (
        <Skeleton lines={3} />
      ) : (
        <div className="cal-grid" role="list">
          {weekdays.map((w, i) => (
            <span key={`w${i}`} className="cal-dow" aria-hidden="true">
              {w}
            </span>
          ))}
          {Array.from({ length: firstDow }, (_, i) => (
            <span key={`b${i}`} aria-hidden="true" />
          ))}
          {Array.from({ length: new Date(Date.UTC(y, m, 0)).getUTCDate() }, (_, i) => {
            const d = `${month}-${String(i + 1).padStart(2, '0')}`;
            const day = days.find((x) => x.date === d);
            const price = day?.lowest_price;
            const label = price != null && day?.currency ? formatMoney(price, day.currency, locale) : null;
            const short = price != null && day?.currency ? formatMoneyShort(price, day.currency, locale) : null;
            return (
              <span role="listitem" key={d}>
                <button
                  type="button"
                  className={['cal-day', d === date ? 'selected' : '', price != null && price === min ? 'cheapest' : ''].join(' ')}
                  disabled={price == null}
                  aria-pressed={d === date}
                  aria-label={`${d}: ${label ?? t('flights.noFare')}`}
                  onClick={() => onPick(d)}
                >
                  <span className="cal-num">{i + 1}</span>
                  <span className="cal-price" aria-hidden="true">{short ?? '—'}</span>
                </button>
              </span>
            );
          })}
        </div>
      )}
    </section>
  );
}
