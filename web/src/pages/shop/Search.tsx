import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { catalog } from '../../api/endpoints';
import { Pager, useCursorPages } from '../../components/Pager';
import { ProductGrid } from '../../components/ProductCard';
import { Empty, ErrorMessage, PageTitle, Skeleton } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useAsync, useDebounced } from '../../lib/useAsync';

const SORTS = ['name', 'price_asc', 'price_desc', 'newest'] as const;
const PAGE_SIZE = 12;

export function Search() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const category = params.get('category') ?? '';
  const sort = params.get('sort') ?? '';
  const [text, setText] = useState(q);
  const typed = useDebounced(text, 250);

  // Results as you type: the URL follows the field (without a history entry per key).
  useEffect(() => {
    if (typed.trim() !== q) {
      const next = new URLSearchParams(params);
      if (typed.trim()) next.set('q', typed.trim());
      else next.delete('q');
      setParams(next, { replace: true });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);

  const pages = useCursorPages(`${q}|${category}|${sort}`);
  const cats = useAsync((s) => catalog.categories(s), []);
  const res = useAsync(
    (s) => catalog.products({ q, category, sort: sort || (q ? undefined : 'name'), limit: PAGE_SIZE, cursor: pages.cursor }, s),
    [q, category, sort, pages.cursor],
  );

  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };
  const catName = cats.data?.find((c) => c.id === category)?.name;

  return (
    <section>
      <PageTitle>{q ? t('shop.results', { q }) : (catName ?? t('shop.allProducts'))}</PageTitle>
      <div className="filters">
        <div className="field grow">
          <label htmlFor="search-q">{t('shop.searchLabel')}</label>
          <input
            id="search-q"
            type="search"
            value={text}
            placeholder={t('shop.searchPlaceholder')}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
          />
        </div>
        <div className="field">
          <label htmlFor="search-cat">{t('shop.category')}</label>
          <select id="search-cat" value={category} onChange={(e) => setParam('category', e.target.value)}>
            <option value="">{t('common.all')}</option>
            {cats.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="search-sort">{t('shop.sort')}</label>
          <select id="search-sort" value={sort} onChange={(e) => setParam('sort', e.target.value)}>
            <option value="">{q ? '—' : t('shop.sort.name')}</option>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`shop.sort.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div aria-live="polite" aria-busy={res.status === 'loading'}>
        {res.status === 'error' ? (
          <ErrorMessage error={res.error} onRetry={res.reload} />
        ) : !res.data ? (
          <Skeleton lines={6} />
        ) : res.data.items.length === 0 ? (
          <Empty>{q ? t('shop.noResults', { q }) : t('shop.empty')}</Empty>
        ) : (
          <div className={res.status === 'loading' ? 'stale' : undefined}>
            <ProductGrid products={res.data.items} />
            <Pager
              page={pages.page}
              hasPrev={pages.hasPrev}
              hasNext={!!res.data.next_cursor}
              onPrev={pages.prev}
              onNext={() => res.data?.next_cursor && pages.next(res.data.next_cursor)}
            />
          </div>
        )}
      </div>
    </section>
  );
}
