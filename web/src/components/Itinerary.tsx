import type { BookedSegment, Itinerary, Segment } from '../api/types';
import { useI18n } from '../i18n';
import { dayShift } from '../lib/flights';
import { formatDate, formatDuration, formatTime } from '../lib/format';

/** One flight's times, each shown in its own airport's local time. */
export function SegmentLine({ s }: { s: Segment | BookedSegment }) {
  const { t, locale } = useI18n();
  const shift = dayShift(s.departure.local_date, s.arrival.local_date);
  const duration = 'duration_minutes' in s ? s.duration_minutes : Math.round((Date.parse(s.arrival.utc) - Date.parse(s.departure.utc)) / 60000);
  return (
    <div className="segment">
      <div className="seg-point">
        <span className="seg-time">{formatTime(s.departure.utc, s.departure.time_zone, locale)}</span>
        <span className="seg-code">{s.origin}</span>
        <span className="muted small">{formatDate(s.departure.utc, locale, s.departure.time_zone)}</span>
      </div>
      <div className="seg-line" aria-hidden="true">
        <span className="muted small">{formatDuration(duration, locale)}</span>
        <span className="seg-bar" />
        <span className="muted small">{s.number}</span>
      </div>
      <div className="seg-point end">
        <span className="seg-time">
          {formatTime(s.arrival.utc, s.arrival.time_zone, locale)}
          {shift > 0 ? <sup className="day-shift">{t('flights.nextDay', { n: shift })}</sup> : null}
        </span>
        <span className="seg-code">{s.destination}</span>
        <span className="muted small">{formatDate(s.arrival.utc, locale, s.arrival.time_zone)}</span>
      </div>
      <span className="sr-only">
        {s.number}: {s.origin} {formatTime(s.departure.utc, s.departure.time_zone, locale)} → {s.destination}{' '}
        {formatTime(s.arrival.utc, s.arrival.time_zone, locale)} ({t('flights.localTimes')})
      </span>
    </div>
  );
}

export function ItinerarySummary({ it }: { it: Itinerary }) {
  const { t, locale } = useI18n();
  return (
    <div className="itinerary">
      {it.segments.map((s) => (
        <SegmentLine key={s.flight_id} s={s} />
      ))}
      <p className="muted small">
        {it.stops === 0 ? t('flights.direct') : t('flights.stops', { n: it.stops })} · {formatDuration(it.duration_minutes, locale)} ·{' '}
        {t('flights.seatsLeft', { n: it.seats_left })}
      </p>
    </div>
  );
}
