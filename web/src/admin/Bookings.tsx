import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage, Money, Notice, PageTitle, StatusBadge } from '../components/ui';
import { useI18n } from '../i18n';
import { useAdminT } from './messages';
import { AdminTable, adminWrite, items, num, str, useAction, type Row } from './util';

export function Bookings() {
  const { t } = useI18n();
  const a = useAdminT();
  const [f, setF] = useState({ pnr: '', name: '' });
  const [applied, setApplied] = useState(f);
  const [reload, setReload] = useState(0);
  const [cancelling, setCancelling] = useState<Row | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useAction();
  const cancel = async () => {
    if (!cancelling) return;
    const res = await act.run(() => adminWrite(`/api/admin/bookings/${encodeURIComponent(str(cancelling, 'id'))}/cancel`, 'POST', {}));
    setCancelling(null);
    if (res) {
      setNotice(t('booking.cancelled'));
      setReload((n) => n + 1);
    }
  };
  return (
    <section>
      <PageTitle>{t('admin.bookings')}</PageTitle>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(f);
        }}
      >
        <div className="field">
          <label htmlFor="ab-pnr">{a('pnr')}</label>
          <input id="ab-pnr" className="mono" value={f.pnr} onChange={(e) => setF({ ...f, pnr: e.target.value.toUpperCase() })} />
        </div>
        <div className="field">
          <label htmlFor="ab-name">{a('passenger')}</label>
          <input id="ab-name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </div>
        <button type="submit" className="btn btn-secondary">
          {a('apply')}
        </button>
      </form>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {act.error ? <ErrorMessage error={act.error} /> : null}
      <AdminTable
        path="/api/admin/bookings"
        query={{ pnr: applied.pnr.trim() || undefined, name: applied.name.trim() || undefined }}
        caption={t('admin.bookings')}
        empty={t('booking.noTrips')}
        reloadKey={reload}
        columns={[
          { key: 'pnr', label: a('pnr'), render: (b) => <code className="strong">{str(b, 'pnr')}</code> },
          {
            key: 'r',
            label: a('route'),
            render: (b) => {
              const segs = items(b.segments);
              return segs.map((s) => `${str(s, 'number')} ${str(s, 'origin')}→${str(s, 'destination')}`).join(', ');
            },
          },
          {
            key: 'p',
            label: t('booking.passengers'),
            render: (b) => items(b.passengers).map((p) => (typeof p === 'string' ? p : `${str(p, 'given_name')} ${str(p, 'family_name')}`)).join(', '),
          },
          { key: 's', label: a('status'), render: (b) => <StatusBadge status={str(b, 'status')} /> },
          { key: 't', label: a('total'), num: true, render: (b) => <Money amount={num(b, 'total') ?? 0} currency={str(b, 'currency') || 'USD'} /> },
          {
            key: 'x',
            label: t('common.actions'),
            render: (b) =>
              ['confirmed', 'held'].includes(str(b, 'status')) ? (
                <button type="button" className="btn btn-danger btn-small" onClick={() => setCancelling(b)}>
                  {a('cancelBooking')}
                </button>
              ) : null,
          },
        ]}
      />
      {cancelling ? (
        <ConfirmDialog title={a('cancelBookingTitle', { pnr: str(cancelling, 'pnr') })} confirmLabel={a('cancelBooking')} busy={act.busy} onConfirm={cancel} onCancel={() => setCancelling(null)}>
          <p className="price-large">
            <Money amount={num(cancelling, 'total') ?? 0} currency={str(cancelling, 'currency') || 'USD'} />
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
