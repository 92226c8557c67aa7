import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { cart as cartApi } from '../../api/endpoints';
import type { CartLineView } from '../../api/types';
import { Empty, ErrorMessage, Money, Notice, PageTitle, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useCart } from '../../lib/cart';

export function lineProblem(l: CartLineView): 'unavailable' | 'stock' | null {
  if (!l.available) return 'unavailable';
  if (!l.in_stock) return 'stock';
  return null;
}

export function Cart() {
  const { t } = useI18n();
  const { cart, setCart, refresh } = useCart();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    refresh().finally(() => setLoaded(true));
  }, [refresh]);

  const change = async (productId: string, quantity: number) => {
    setBusy(productId);
    setError(null);
    try {
      setCart(quantity <= 0 ? await cartApi.remove(productId) : await cartApi.set(productId, quantity));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  if (!loaded && !cart) return <Skeleton lines={4} />;
  if (!cart)
    return (
      <ErrorMessage
        error={error}
        onRetry={() => {
          void refresh();
        }}
      />
    );
  const blocked = cart.items.some((l) => lineProblem(l) !== null);

  return (
    <section>
      <PageTitle>{t('cart.title')}</PageTitle>
      {error ? <ErrorMessage error={error} /> : null}
      {cart.price_changed ? <Notice kind="warning">{t('cart.pricesChanged')}</Notice> : null}
      {cart.items.length === 0 ? (
        <Empty action={<Link to="/search" className="btn btn-primary">{t('cart.continue')}</Link>}>{t('cart.empty')}</Empty>
      ) : (
        <div className="two-col">
          <ul className="cart-lines" aria-label={t('cart.title')}>
            {cart.items.map((l) => {
              const problem = lineProblem(l);
              const name = l.name ?? l.product_id;
              return (
                <li key={l.product_id} className={problem ? 'cart-line flagged' : 'cart-line'} data-testid="cart-line">
                  <div className="cart-line-main">
                    {l.available ? <Link to={`/products/${l.product_id}`}>{name}</Link> : <span>{name}</span>}
                    {l.unit_price != null && l.currency ? (
                      <span className="muted small">
                        <Money amount={l.unit_price} currency={l.currency} />
                      </span>
                    ) : null}
                    {problem === 'unavailable' ? <span className="flag">{t('cart.unavailable')}</span> : null}
                    {problem === 'stock' ? <span className="flag">{t('cart.notEnoughStock')}</span> : null}
                  </div>
                  <div className="cart-line-actions">
                    <label className="sr-only" htmlFor={`q-${l.product_id}`}>
                      {t('cart.quantityFor', { name })}
                    </label>
                    <select
                      id={`q-${l.product_id}`}
                      value={l.quantity}
                      disabled={busy === l.product_id || !l.available}
                      onChange={(e) => change(l.product_id, Number(e.target.value))}
                    >
                      {Array.from({ length: Math.max(10, l.quantity) }, (_, i) => i + 1).map((n) => (
                        <option key={n} value={n}>
                          {n}
                        </option>
                      ))}
                    </select>
                    <span className="line-total">
                      {l.line_total != null && l.currency ? <Money amount={l.line_total} currency={l.currency} /> : '—'}
                    </span>
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      aria-label={t('cart.removeItem', { name })}
                      onClick={() => change(l.product_id, 0)}
                      disabled={busy === l.product_id}
                    >
                      {t('common.remove')}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
          <aside className="card summary">
            <h2>{t('cart.subtotal')}</h2>
            {cart.totals.map((tot) => (
              <p key={tot.currency} className="price-large">
                <Money amount={tot.total} currency={tot.currency} />
              </p>
            ))}
            {cart.totals.length > 1 ? <p className="muted small">{t('checkout.mixedCurrencies')}</p> : null}
            {blocked ? <p className="flag-text">{t('cart.fixUnavailable')}</p> : null}
            {blocked ? (
              <button type="button" className="btn btn-primary btn-block" disabled>
                {t('cart.checkout')}
              </button>
            ) : (
              <Link to="/checkout" className="btn btn-primary btn-block">
                {t('cart.checkout')}
              </Link>
            )}
          </aside>
        </div>
      )}
    </section>
  );
}
