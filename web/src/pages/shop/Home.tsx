import { Link } from 'react-router-dom';
import { catalog } from '../../api/endpoints';
import { ProductGrid } from '../../components/ProductCard';
import { SearchBox } from '../../components/SearchBox';
import { ErrorMessage, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';

export function Home() {
  const { t } = useI18n();
  const cats = useAsync((s) => catalog.categories(s), []);
  const fresh = useAsync((s) => catalog.products({ sort: 'newest', limit: 8 }, s), []);
  return (
    <>
      <section className="hero">
        <h1 className="hero-title">{t('shop.hero.title')}</h1>
        <p className="hero-text">{t('shop.hero.text')}</p>
        <SearchBox />
        <p>
          <Link to="/flights" className="btn btn-secondary">
            {t('flights.title')} →
          </Link>
        </p>
      </section>
      <section aria-labelledby="cat-h">
        <h2 id="cat-h">{t('shop.categories')}</h2>
        {cats.status === 'error' ? (
          <ErrorMessage error={cats.error} onRetry={cats.reload} />
        ) : !cats.data ? (
          <Skeleton lines={2} />
        ) : (
          <ul className="chips">
            {cats.data.map((c) => (
              <li key={c.id}>
                <Link className="chip" to={`/search?category=${encodeURIComponent(c.id)}`}>
                  {c.name}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="new-h">
        <h2 id="new-h">{t('shop.featured')}</h2>
        {fresh.status === 'error' ? (
          <ErrorMessage error={fresh.error} onRetry={fresh.reload} />
        ) : !fresh.data ? (
          <Skeleton lines={4} />
        ) : (
          <ProductGrid products={fresh.data.items} />
        )}
        <p>
          <Link to="/search">{t('shop.allProducts')} →</Link>
        </p>
      </section>
    </>
  );
}
