import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { Product } from '../api/types';
import { useI18n } from '../i18n';
import { Money } from './ui';

const HUES = [212, 160, 28, 280, 340, 190, 45, 120];

function hue(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return HUES[h % HUES.length] ?? 212;
}

/** The product's picture, or a tile made from its name (the CSP allows only our own images). */
export function ProductImage({ product, large = false }: { product: Pick<Product, 'name' | 'category' | 'image_url'>; large?: boolean }) {
  const [broken, setBroken] = useState(false);
  if (product.image_url && product.image_url.startsWith('/') && !broken) {
    return (
      <img
        className={large ? 'product-img large' : 'product-img'}
        src={product.image_url}
        alt=""
        loading="lazy"
        width={240}
        height={240}
        onError={() => setBroken(true)}
      />
    );
  }
  const h = hue(product.category || product.name);
  const initials = product.name
    .split(/\s+/)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
  return (
    <div
      className={large ? 'product-img placeholder large' : 'product-img placeholder'}
      style={{ background: `linear-gradient(135deg, hsl(${h} 70% 92%), hsl(${h} 60% 80%))`, color: `hsl(${h} 60% 28%)` }}
      aria-hidden="true"
    >
      {initials}
    </div>
  );
}

export function StockNote({ stock }: { stock: number }) {
  const { t } = useI18n();
  if (stock <= 0) return <span className="stock out">{t('shop.outOfStock')}</span>;
  if (stock <= 5) return <span className="stock low">{t('shop.lowStock', { n: stock })}</span>;
  return <span className="stock ok">{t('shop.inStock')}</span>;
}

export function ProductCard({ product }: { product: Product }) {
  return (
    <li className="card product-card">
      <Link to={`/products/${product.id}`} className="product-link">
        <ProductImage product={product} />
        <span className="product-name">{product.name}</span>
      </Link>
      <div className="product-meta">
        <Money amount={product.price} currency={product.currency} />
        <StockNote stock={product.stock} />
      </div>
    </li>
  );
}

export function ProductGrid({ products }: { products: Product[] }) {
  return (
    <ul className="product-grid" data-testid="product-grid">
      {products.map((p) => (
        <ProductCard key={p.id} product={p} />
      ))}
    </ul>
  );
}
