import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage, Money, Notice, PageTitle, StatusBadge } from '../components/ui';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useAdminT } from './messages';
import { AdminTable, adminWrite, num, str, useAction, type Row } from './util';

export function Orders() {
  const { t, locale } = useI18n();
  const a = useAdminT();
  const [f, setF] = useState({ status: '', customer: '' });
  const [applied, setApplied] = useState(f);
  const [reload, setReload] = useState(0);
  const [refunding, setRefunding] = useState<Row | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useAction();
  const refund = async () => {
    if (!refunding) return;
    const res = await act.run(() => adminWrite(`/api/admin/orders/${encodeURIComponent(str(refunding, 'id'))}/refund`, 'POST', {}));
    setRefunding(null);
    if (res) {
      setNotice(a('refunded'));
      setReload((n) => n + 1);
    }
  };
  return (
    <section>
      <PageTitle>{t('admin.orders')}</PageTitle>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(f);
        }}
      >
        <div className="field">
          <label htmlFor="ao-status">{a('status')}</label>
          <select id="ao-status" value={f.status} onChange={(e) => setF({ ...f, status: e.target.value })}>
            <option value="">{a('any')}</option>
            {['pending', 'confirmed', 'failed', 'cancelling', 'cancelled'].map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as never)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ao-customer">{a('customer')}</label>
          <input id="ao-customer" value={f.customer} onChange={(e) => setF({ ...f, customer: e.target.value })} />
        </div>
        <button type="submit" className="btn btn-secondary">
          {a('apply')}
        </button>
      </form>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {act.error ? <ErrorMessage error={act.error} /> : null}
      <AdminTable
        path="/api/admin/orders"
        query={{ status: applied.status || undefined, customer: applied.customer.trim() || undefined }}
        caption={t('admin.orders')}
        empty={t('orders.empty')}
        reloadKey={reload}
        columns={[
          { key: 'id', label: 'ID', render: (o) => <code>{str(o, 'id').slice(-8).toUpperCase()}</code> },
          { key: 'c', label: a('customer'), render: (o) => str(o, 'customer_email', 'email', 'user_email', 'user_id') },
          { key: 'at', label: a('created_at'), render: (o) => (str(o, 'created_at') ? formatDateTime(str(o, 'created_at'), locale) : '') },
          { key: 's', label: a('status'), render: (o) => <StatusBadge status={str(o, 'status')} /> },
          { key: 't', label: a('total'), num: true, render: (o) => <Money amount={num(o, 'total') ?? 0} currency={str(o, 'currency') || 'USD'} /> },
          {
            key: 'x',
            label: t('common.actions'),
            render: (o) =>
              str(o, 'status') === 'confirmed' ? (
                <button type="button" className="btn btn-secondary btn-small" onClick={() => setRefunding(o)}>
                  {a('refund')}
                </button>
              ) : null,
          },
        ]}
      />
      {refunding ? (
        <ConfirmDialog title={a('refundTitle')} confirmLabel={a('refund')} busy={act.busy} onConfirm={refund} onCancel={() => setRefunding(null)}>
          <p className="price-large">
            <Money amount={num(refunding, 'total') ?? 0} currency={str(refunding, 'currency') || 'USD'} />
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
