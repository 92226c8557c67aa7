import type { CabinView, SeatView } from '../api/types';
import { useI18n } from '../i18n';
import { seatCharge } from '../lib/flights';
import { formatMoney } from '../lib/format';

export interface SeatMarks {
  /** designator → short label of the passenger who has it in this selection (e.g. "1"). */
  mine: Record<string, string>;
  /** Seats this booking already holds (shown as free for it, though the map says taken). */
  own?: Set<string>;
}

/** One cabin drawn from the seat-map API: rows of seats with aisles; a seat is a toggle button. */
export function SeatMap({ cabin, family, marks, onPick, disabled = false }: { cabin: CabinView; family: string; marks: SeatMarks; onPick: (seat: SeatView) => void; disabled?: boolean }) {
  const { t, locale } = useI18n();
  return (
    <div className="seatmap-wrap">
      <div className="seatmap" role="grid" aria-label={t('booking.seatMap', { cabin: t(`flights.cabin.${cabin.cabin}` as never) })}>
        <div className="seat-row head" role="row">
          <span className="row-num" role="columnheader" aria-hidden="true" />
          {cabin.columns.map((c, i) =>
            c ? (
              <span key={i} className="col-letter" role="columnheader">
                {c}
              </span>
            ) : (
              <span key={i} className="aisle" aria-hidden="true" />
            ),
          )}
        </div>
        {cabin.rows.map((r) => (
          <div key={r.row} className={r.exit_row ? 'seat-row exit' : 'seat-row'} role="row">
            <span className="row-num" role="rowheader">
              {r.row}
            </span>
            {r.seats.map((s, i) => {
              if (!s)
                return <span key={i} className="aisle" aria-hidden="true" />;
              const who = marks.mine[s.designator];
              const ownedByBooking = marks.own?.has(s.designator) ?? false;
              const free = s.available || ownedByBooking;
              const charge = seatCharge(s, family);
              const extra = s.features.includes('extra_legroom') || s.features.includes('exit_row');
              const desc = [
                s.designator,
                t(`seat.${s.position}` as never),
                ...s.features.map((f) => t(`seat.${f}` as never)),
                charge > 0 ? formatMoney(charge, s.currency, locale) : t('booking.free'),
                free ? '' : t('seat.unavailable'),
              ]
                .filter(Boolean)
                .join(', ');
              return (
                <span role="gridcell" key={s.designator}>
                  <button
                    type="button"
                    className={['seat', who ? 'mine' : '', !free && !who ? 'taken' : '', extra ? 'extra' : ''].join(' ')}
                    disabled={disabled || (!free && !who)}
                    aria-pressed={!!who}
                    aria-label={desc}
                    title={desc}
                    data-seat={s.designator}
                    onClick={() => onPick(s)}
                  >
                    {who ?? ''}
                  </button>
                </span>
              );
            })}
          </div>
        ))}
      </div>
      <ul className="legend" aria-label="Legend">
        <li>
          <span className="seat sample" /> {t('booking.legend.available')}
        </li>
        <li>
          <span className="seat sample extra" /> {t('booking.legend.extra')}
        </li>
        <li>
          <span className="seat sample mine" /> {t('booking.legend.selected')}
        </li>
        <li>
          <span className="seat sample taken" /> {t('booking.legend.taken')}
        </li>
      </ul>
    </div>
  );
}
