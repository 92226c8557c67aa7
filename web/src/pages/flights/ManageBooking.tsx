import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { bookings } from '../../api/endpoints';
import { isApiError } from '../../api/problem';
import type { BookingSummary } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { SegmentLine } from '../../components/Itinerary';
import { ErrorMessage, Notice, PageTitle, StatusBadge } from '../../components/ui';
import { useI18n } from '../../i18n';

export function ManageBooking() {
  const { t } = useI18n();
  const { status } = useAuth();
  const [pnr, setPnr] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [found, setFound] = useState<BookingSummary | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFound(null);
    try {
      setFound(await bookings.lookup(pnr.trim().toUpperCase(), name.trim()));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageTitle>{t('booking.manage')}</PageTitle>
      <p className="muted">{t('booking.manageText')}</p>
      <form className="card form-inline" onSubmit={submit}>
        <div className="field">
          <label htmlFor="pnr">{t('booking.pnr')}</label>
          <input id="pnr" required maxLength={6} autoCapitalize="characters" autoComplete="off" value={pnr} onChange={(e) => setPnr(e.target.value)} className="mono" />
        </div>
        <div className="field">
          <label htmlFor="lastname">{t('booking.familyName')}</label>
          <input id="lastname" required autoComplete="family-name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('booking.find')}
        </button>
      </form>
      {error ? (
        isApiError(error) && error.status === 404 ? (
          <div className="alert alert-error" role="alert">
            {t('booking.notFound')}
          </div>
        ) : (
          <ErrorMessage error={error} />
        )
      ) : null}
      {found ? (
        <div className="card" data-testid="lookup-result">
          <div className="pnr-row">
            <div>
              <span className="muted small">{t('booking.pnr')}</span>
              <p className="pnr">{found.pnr}</p>
            </div>
            <StatusBadge status={found.status} />
          </div>
          {found.cancel_reason ? <Notice kind="warning">{t('booking.cancelReason', { reason: found.cancel_reason })}</Notice> : null}
          {found.segments.map((s) => (
            <SegmentLine key={s.flight_id} s={s} />
          ))}
          <h2>{t('booking.passengers')}</h2>
          <ul className="list plain">
            {found.passengers.map((p, i) => (
              <li key={i} className="passenger-row">
                <span className="strong">{p}</span>
                <span>
                  {found.seats
                    .filter((s) => s.passenger === i)
                    .map((s) => {
                      const seg = found.segments.find((x) => x.flight_id === s.flight_id);
                      return (
                        <span key={s.flight_id} className="chip static">
                          {seg?.number} · {s.seat}
                        </span>
                      );
                    })}
                </span>
              </li>
            ))}
          </ul>
          <p className="muted small">
            {t('booking.tickets')}: {found.tickets}
          </p>
          {status !== 'signed_in' ? (
            <p>
              <Link to="/login" state={{ from: '/trips' }}>
                {t('booking.loginToManage')}
              </Link>
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
