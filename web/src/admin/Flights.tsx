import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage, Notice, PageTitle, StatusBadge } from '../components/ui';
import { useI18n } from '../i18n';
import { isoDate } from '../lib/format';
import { LoadBar } from './Charts';
import { departureText, loadFactor } from './Dashboard';
import { useAdminT } from './messages';
import { NewSchedule } from './NewSchedule';
import { AdminTable, adminWrite, num, str, useAction, versionOf, type Row } from './util';

export function Flights() {
  const { t, locale } = useI18n();
  const a = useAdminT();
  const [filters, setFilters] = useState({ origin: '', destination: '', from: isoDate(0), to: '', status: '' });
  const [applied, setApplied] = useState(filters);
  const [reload, setReload] = useState(0);
  const [cancelling, setCancelling] = useState<Row | null>(null);
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const act = useAction();

  const cancel = async () => {
    if (!cancelling) return;
    const res = await act.run(() =>
      adminWrite(`/api/admin/flights/${encodeURIComponent(str(cancelling, 'id'))}/cancel`, 'POST', { reason: reason.trim() || a('defaultReason') }),
    );
    if (res) {
      setNotice(a('flightCancelled', { number: str(cancelling, 'number'), n: num(res, 'bookings.cancelled', 'bookings') ?? '…' }));
      setReload((n) => n + 1);
    }
    setCancelling(null);
  };

  // A delay moves departure and arrival by the same number of minutes (If-Match: its version).
  const delay = async (f: Row) => {
    const raw = window.prompt(a('delayMinutes'), '60');
    if (raw === null || !/^\d+$/.test(raw.trim())) return;
    const ms = Number(raw) * 60000;
    const dep = str(f, 'departure.utc', 'departs_at');
    const arr = str(f, 'arrival.utc', 'arrives_at');
    if (!dep || !arr) return;
    const shift = (iso: string) => new Date(Date.parse(iso) + ms).toISOString();
    const res = await act.run(() =>
      adminWrite(`/api/admin/flights/${encodeURIComponent(str(f, 'id'))}`, 'PATCH', { departs_at: shift(dep), arrives_at: shift(arr) }, versionOf(f)),
    );
    if (res) setNotice(a('saved'));
    setReload((n) => n + 1); // a refused write (412: someone changed it) shows the fresh version
  };

  return (
    <section>
      <PageTitle>{t('admin.flights')}</PageTitle>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <div className="field">
          <label htmlFor="af-origin">{a('origin')}</label>
          <input id="af-origin" maxLength={3} className="mono" value={filters.origin} onChange={(e) => setFilters({ ...filters, origin: e.target.value.toUpperCase() })} />
        </div>
        <div className="field">
          <label htmlFor="af-dest">{a('destination')}</label>
          <input id="af-dest" maxLength={3} className="mono" value={filters.destination} onChange={(e) => setFilters({ ...filters, destination: e.target.value.toUpperCase() })} />
        </div>
        <div className="field">
          <label htmlFor="af-from">{a('from')}</label>
          <input id="af-from" type="date" value={filters.from} onChange={(e) => setFilters({ ...filters, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="af-to">{a('to')}</label>
          <input id="af-to" type="date" value={filters.to} min={filters.from} onChange={(e) => setFilters({ ...filters, to: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="af-status">{a('status')}</label>
          <select id="af-status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.target.value })}>
            <option value="">{a('any')}</option>
            <option value="scheduled">{t('status.scheduled')}</option>
            <option value="delayed">{t('status.delayed')}</option>
            <option value="cancelled">{t('status.cancelled')}</option>
          </select>
        </div>
        <button type="submit" className="btn btn-secondary">
          {a('apply')}
        </button>
      </form>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {act.error ? <ErrorMessage error={act.error} /> : null}
      <AdminTable
        path="/api/admin/flights"
        query={{
          origin: applied.origin || undefined,
          destination: applied.destination || undefined,
          from: applied.from || undefined,
          to: applied.to || undefined,
          status: applied.status || undefined,
        }}
        caption={t('admin.flights')}
        empty={t('flights.noResults')}
        reloadKey={reload}
        columns={[
          { key: 'n', label: a('flight'), render: (f) => <span className="strong">{str(f, 'number')}</span> },
          { key: 'r', label: a('route'), render: (f) => `${str(f, 'origin')} → ${str(f, 'destination')}` },
          { key: 'd', label: a('departure'), render: (f) => departureText(f, locale) },
          { key: 's', label: a('status'), render: (f) => <StatusBadge status={str(f, 'status') || 'scheduled'} /> },
          {
            key: 'l',
            label: a('loadFactor'),
            render: (f) => (
              <>
                <LoadBar value={loadFactor(f)} />
                {num(f, 'seats') != null ? (
                  <div className="muted small">
                    {num(f, 'sold') ?? 0} / {num(f, 'seats')}
                  </div>
                ) : null}
              </>
            ),
          },
          {
            key: 'x',
            label: t('common.actions'),
            render: (f) =>
              str(f, 'status') === 'cancelled' ? null : (
                <span className="actions">
                <button type="button" className="btn btn-secondary btn-small" disabled={act.busy} onClick={() => delay(f)}>
                  {a('delay')}
                </button>
                <button
                  type="button"
                  className="btn btn-danger btn-small"
                  onClick={() => {
                    setReason('');
                    setCancelling(f);
                  }}
                  data-flight={str(f, 'id')}
                >
                  {a('cancelFlight')}
                </button>
                </span>
              ),
          },
        ]}
      />
      <NewSchedule onCreated={() => setReload((n) => n + 1)} />
      {cancelling ? (
        <ConfirmDialog title={a('cancelFlightTitle', { number: str(cancelling, 'number') })} confirmLabel={a('cancelFlight')} busy={act.busy} onConfirm={cancel} onCancel={() => setCancelling(null)}>
          <p>{a('cancelFlightText')}</p>
          <div className="field">
            <label htmlFor="cf-reason">{a('reason')}</label>
            <input id="cf-reason" value={reason} placeholder={a('defaultReason')} onChange={(e) => setReason(e.target.value)} />
          </div>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
