import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { orders } from '../../api/endpoints';
import { isApiError } from '../../api/problem';
import { PaymentMethods } from '../../components/PaymentMethods';
import { Empty, ErrorMessage, Money, Notice, PageTitle, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useCart } from '../../lib/cart';
import { IntentKey, outcomeUnknown } from '../../lib/idempotency';
import { formatMoney } from '../../lib/format';
import { lineProblem } from './Cart';

export function Checkout() {
  const { t, locale } = useI18n();
  const { cart, refresh } = useCart();
  const navigate = useNavigate();
  const [method, setMethod] = useState('pm_card_ok');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const intent = useRef(new IntentKey());
  const inFlight = useRef(false);

  useEffect(() => {
    refresh().finally(() => setLoaded(true));
  }, [refresh]);

  if (!loaded && !cart) return <Skeleton lines={5} />;
  if (!cart || cart.items.length === 0)
    return (
      <section>
        <PageTitle>{t('checkout.title')}</PageTitle>
        <Empty action={<Link to="/search">{t('cart.continue')}</Link>}>{t('cart.empty')}</Empty>
      </section>
    );

  const blocked = cart.items.some((l) => lineProblem(l) !== null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (inFlight.current || blocked) return; // a double click sends one request
    inFlight.current = true;
    setBusy(true);
    setError(null);
    const body = { payment_method: method, ...(cart.total != null ? { expected_total: cart.total } : {}) };
    const key = intent.current.for(body);
    try {
      const res = await orders.checkout(body, key);
      intent.current.settle();
      await refresh();
      navigate(`/orders/${res.data.id}`, { state: { placed: res.status === 202 ? 'pending' : 'confirmed' } });
    } catch (err) {
      // A network failure or 5xx keeps the key: trying again replays the first answer.
      if (!outcomeUnknown(err)) intent.current.settle();
      setError(err);
      if (isApiError(err) && (err.code === 'price_changed' || err.code === 'out_of_stock')) await refresh();
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const declined = isApiError(error) && error.status === 402;

  return (
    <section>
      <PageTitle>{t('checkout.title')}</PageTitle>
      <form className="two-col" onSubmit={submit} aria-busy={busy}>
        <div>
          {cart.price_changed ? <Notice kind="warning">{t('cart.pricesChanged')}</Notice> : null}
          <PaymentMethods value={method} onChange={setMethod} />
          {error ? (
            <div className="stack">
              <ErrorMessage error={error} focus />
              {declined ? <Notice kind="info">{t('checkout.cartKept')}</Notice> : null}
            </div>
          ) : null}
        </div>
        <aside className="card summary">
          <h2>{t('checkout.summary')}</h2>
          <ul className="summary-lines">
            {cart.items.map((l) => (
              <li key={l.product_id}>
                <span>
                  {l.name ?? l.product_id} × {l.quantity}
                </span>
                {l.line_total != null && l.currency ? <Money amount={l.line_total} currency={l.currency} /> : null}
              </li>
            ))}
          </ul>
          {cart.totals.map((tot) => (
            <p key={tot.currency} className="summary-total">
              <span>{t('common.total')}</span>
              <Money amount={tot.total} currency={tot.currency} />
            </p>
          ))}
          {blocked ? <p className="flag-text">{t('cart.fixUnavailable')}</p> : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy || blocked} data-testid="pay">
            {busy ? t('checkout.paying') : t('checkout.pay', { amount: cart.totals.map((x) => formatMoney(x.total, x.currency, locale)).join(' + ') })}
          </button>
        </aside>
      </form>
    </section>
  );
}
