import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { cart as cartApi, catalog } from '../../api/endpoints';
import { useAuth } from '../../auth/AuthContext';
import { ProductImage, StockNote } from '../../components/ProductCard';
import { ErrorMessage, Money, Notice, PageTitle, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useCart } from '../../lib/cart';
import { useAsync } from '../../lib/useAsync';

export function ProductPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { status } = useAuth();
  const { cart, setCart } = useCart();
  const navigate = useNavigate();
  const product = useAsync((s) => catalog.product(id, s), [id]);
  const cats = useAsync((s) => catalog.categories(s), []);
  const [qty, setQty] = useState(1);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (product.status === 'error') return <ErrorMessage error={product.error} onRetry={product.reload} />;
  if (!product.data) return <Skeleton lines={6} />;
  const p = product.data;
  const inCart = cart?.items.find((l) => l.product_id === p.id)?.quantity ?? 0;

  const add = async () => {
    if (status !== 'signed_in') {
      navigate('/login', { state: { from: `/products/${p.id}` } });
      return;
    }
    setBusy(true);
    setError(null);
    setAdded(false);
    try {
      setCart(await cartApi.set(p.id, Math.min(99, inCart + qty)));
      setAdded(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const catName = cats.data?.find((c) => c.id === p.category)?.name ?? p.category;
  return (
    <>
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <ol>
        <li>
          <Link to="/">{t('nav.shop')}</Link>
        </li>
        <li>
          <Link to={`/search?category=${encodeURIComponent(p.category)}`}>{catName}</Link>
        </li>
        <li aria-current="page">{p.name}</li>
      </ol>
    </nav>
    <article className="product-page">
      <ProductImage product={p} large />
      <div className="product-info">
        <PageTitle>{p.name}</PageTitle>
        <p className="price-large">
          <Money amount={p.price} currency={p.currency} />
        </p>
        <StockNote stock={p.stock} />
        <p className="description">{p.description}</p>
        <p className="muted small">{t('shop.sku', { sku: p.sku })}</p>
        {p.stock > 0 ? (
          <div className="buy-row">
            <div className="field qty">
              <label htmlFor="qty">{t('common.quantity')}</label>
              <input
                id="qty"
                type="number"
                min={1}
                max={Math.min(99, p.stock)}
                value={qty}
                onChange={(e) => setQty(Math.max(1, Math.min(99, Number(e.target.value) || 1)))}
              />
            </div>
            <button type="button" className="btn btn-primary" onClick={add} disabled={busy}>
              {t('shop.addToCart')}
            </button>
          </div>
        ) : null}
        {status === 'anonymous' ? <p className="muted small">{t('shop.loginToBuy')}</p> : null}
        {added ? (
          <Notice kind="success">
            {t('shop.added')} · <Link to="/cart">{t('shop.viewCart')}</Link>
          </Notice>
        ) : null}
        {error ? <ErrorMessage error={error} /> : null}
      </div>
    </article>
    </>
  );
}
