import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { orders } from '../../api/endpoints';
import { Pager, useCursorPages } from '../../components/Pager';
import { Empty, ErrorMessage, Money, Notice, PageTitle, Skeleton, StatusBadge } from '../../components/ui';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useI18n } from '../../i18n';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

export function shortId(id: string): string {
  return id.slice(-8).toUpperCase();
}

export function Orders() {
  const { t, locale } = useI18n();
  const pages = useCursorPages('orders');
  const list = useAsync((s) => orders.list({ limit: 10, cursor: pages.cursor }, s), [pages.cursor]);
  return (
    <section>
      <PageTitle>{t('orders.title')}</PageTitle>
      {list.status === 'error' ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Skeleton lines={5} />
      ) : list.data.items.length === 0 ? (
        <Empty action={<Link to="/search">{t('cart.continue')}</Link>}>{t('orders.empty')}</Empty>
      ) : (
        <>
          <ul className="list" data-testid="orders">
            {list.data.items.map((o) => (
              <li key={o.id} className="card list-row">
                <div>
                  <Link to={`/orders/${o.id}`} className="strong">
                    {t('orders.order', { id: shortId(o.id) })}
                  </Link>
                  <p className="muted small">
                    {t('orders.placed', { date: formatDateTime(o.created_at, locale) })} ·{' '}
                    {t('orders.items', { n: o.lines.reduce((n, l) => n + l.quantity, 0) })}
                  </p>
                  <p className="small">{o.lines.map((l) => l.name).join(', ')}</p>
                </div>
                <div className="list-row-end">
                  <StatusBadge status={o.status} />
                  <Money amount={o.total} currency={o.currency} />
                </div>
              </li>
            ))}
          </ul>
          <Pager
            page={pages.page}
            hasPrev={pages.hasPrev}
            hasNext={!!list.data.next_cursor}
            onPrev={pages.prev}
            onNext={() => list.data?.next_cursor && pages.next(list.data.next_cursor)}
          />
        </>
      )}
    </section>
  );
}

export function OrderDetail() {
  const { id = '' } = useParams();
  const { t, locale } = useI18n();
  const location = useLocation();
  const placed = (location.state as { placed?: string } | null)?.placed;
  const order = useAsync((s) => orders.get(id, s), [id]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  if (order.status === 'error' && !order.data) return <ErrorMessage error={order.error} onRetry={order.reload} />;
  if (!order.data) return <Skeleton lines={6} />;
  const o = order.data;

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      order.set(await orders.cancel(o.id));
      setDone(true);
      setConfirming(false);
    } catch (e) {
      setError(e);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p>
        <Link to="/orders">← {t('orders.title')}</Link>
      </p>
      <PageTitle>{t('orders.order', { id: shortId(o.id) })}</PageTitle>
      {placed === 'confirmed' && o.status === 'confirmed' ? <Notice kind="success">{t('checkout.success')}</Notice> : null}
      {o.status === 'pending' ? <Notice kind="info">{t('checkout.pending')}</Notice> : null}
      {done ? <Notice kind="success">{t('orders.cancelled')}</Notice> : null}
      {error ? <ErrorMessage error={error} /> : null}
      <div className="card">
        <div className="order-head">
          <StatusBadge status={o.status} />
          <span className="muted small">{t('orders.placed', { date: formatDateTime(o.created_at, locale) })}</span>
          <span className="muted small">
            {t('checkout.payment')}: {t(`checkout.pm.${o.payment_method}` as never) === `checkout.pm.${o.payment_method}` ? o.payment_method : t(`checkout.pm.${o.payment_method}` as never)}
          </span>
        </div>
        {o.failure_reason ? <p className="flag-text">{t('orders.failureReason', { reason: o.failure_reason })}</p> : null}
        <table className="table">
          <caption className="sr-only">{t('orders.lines')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col" className="num">
                {t('common.quantity')}
              </th>
              <th scope="col" className="num">
                {t('common.total')}
              </th>
            </tr>
          </thead>
          <tbody>
            {o.lines.map((l) => (
              <tr key={l.product_id}>
                <td>
                  <Link to={`/products/${l.product_id}`}>{l.name}</Link>
                  <div className="muted small">
                    <Money amount={l.unit_price} currency={o.currency} />
                  </div>
                </td>
                <td className="num">{l.quantity}</td>
                <td className="num">
                  <Money amount={l.line_total} currency={o.currency} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                {t('common.total')}
              </th>
              <td className="num strong">
                <Money amount={o.total} currency={o.currency} />
              </td>
            </tr>
          </tfoot>
        </table>
        {o.status === 'confirmed' ? (
          <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)} disabled={busy}>
            {t('orders.cancel')}
          </button>
        ) : null}
      </div>
      {confirming ? (
        <ConfirmDialog
          title={t('orders.cancel')}
          confirmLabel={t('orders.cancel')}
          busy={busy}
          onConfirm={cancel}
          onCancel={() => setConfirming(false)}
        >
          <p>{t('orders.cancelConfirm', { amount: formatMoney(o.total, o.currency, locale) })}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
