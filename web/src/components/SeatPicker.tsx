import { useState } from 'react';
import { flights } from '../api/endpoints';
import type { SeatMap as SeatMapData } from '../api/types';
import { useI18n } from '../i18n';
import { seatCharge } from '../lib/flights';
import { formatMoney } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { SeatMap } from './SeatMap';
import { ErrorMessage, Skeleton } from './ui';

/** flight id → passenger index → seat designator */
export type SeatSelection = Record<string, Record<number, string>>;

export interface PickerSegment {
  flight_id: string;
  label: string;
}

/**
 * Seat maps for every segment; seats are chosen per passenger and per segment. `own` are seats
 * the booking already has (free for it), `reloadKey` forces fresh maps (after a conflict).
 */
export function SeatPicker({
  segments,
  passengers,
  cabin,
  family,
  value,
  onChange,
  own,
  reloadKey = 0,
}: {
  segments: PickerSegment[];
  passengers: string[];
  cabin: string;
  family: string;
  value: SeatSelection;
  onChange: (v: SeatSelection) => void;
  own?: Record<string, Set<string>>;
  reloadKey?: number;
}) {
  const { t, locale } = useI18n();
  const [segIdx, setSegIdx] = useState(0);
  const [pax, setPax] = useState(0);
  const ids = segments.map((s) => s.flight_id).join(',');
  const maps = useAsync((sig) => Promise.all(segments.map((s) => flights.seats(s.flight_id, sig))), [ids, reloadKey]);
  const seg = segments[segIdx];
  if (!seg) return null;
  const map: SeatMapData | undefined = maps.data?.[segIdx];
  const cabinView = map?.cabins.find((c) => c.cabin === cabin);
  const chosen = value[seg.flight_id] ?? {};
  const mine: Record<string, string> = {};
  for (const [p, d] of Object.entries(chosen)) mine[d] = String(Number(p) + 1);

  const seatInfo = (designator: string) => {
    for (const r of cabinView?.rows ?? []) for (const s of r.seats) if (s?.designator === designator) return s;
    return undefined;
  };

  const pick = (designator: string) => {
    const current = { ...chosen };
    const holder = Object.entries(current).find(([, d]) => d === designator)?.[0];
    if (holder !== undefined) {
      delete current[Number(holder)];
    } else {
      current[pax] = designator;
      if (pax < passengers.length - 1) setPax(pax + 1);
    }
    onChange({ ...value, [seg.flight_id]: current });
  };

  return (
    <div className="seat-picker">
      {segments.length > 1 ? (
        <div className="tabs" role="tablist" aria-label={t('booking.seats')}>
          {segments.map((s, i) => (
            <button
              key={s.flight_id}
              type="button"
              role="tab"
              aria-selected={i === segIdx}
              className={i === segIdx ? 'tab active' : 'tab'}
              onClick={() => {
                setSegIdx(i);
                setPax(0);
              }}
            >
              {s.label}
            </button>
          ))}
        </div>
      ) : null}
      <h3>{t('booking.seatsFor', { flight: seg.label })}</h3>
      <fieldset className="pax-chooser">
        <legend>{t('booking.choosingFor')}</legend>
        {passengers.map((name, i) => {
          const d = chosen[i];
          const s = d ? seatInfo(d) : undefined;
          const charge = s ? seatCharge(s, family) : 0;
          return (
            <label key={i} className={i === pax ? 'radio-card selected' : 'radio-card'}>
              <input type="radio" name={`pax-${seg.flight_id}`} checked={i === pax} onChange={() => setPax(i)} />
              <span className="pax-badge" aria-hidden="true">
                {i + 1}
              </span>
              <span>{name || t('booking.passenger', { n: i + 1 })}</span>
              <span className="muted small">
                {d ? t('booking.seat', { seat: d }) : t('booking.noSeat')}
                {s && charge > 0 ? ` · +${formatMoney(charge, s.currency, locale)}` : ''}
              </span>
            </label>
          );
        })}
      </fieldset>
      {maps.status === 'error' ? (
        <ErrorMessage error={maps.error} onRetry={maps.reload} />
      ) : !cabinView ? (
        <Skeleton lines={8} />
      ) : (
        <SeatMap cabin={cabinView} family={family} marks={{ mine, own: own?.[seg.flight_id] }} onPick={(s) => pick(s.designator)} />
      )}
    </div>
  );
}
