import { useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { catalog } from '../api/endpoints';
import type { Product } from '../api/types';
import { useI18n } from '../i18n';
import { useDebounced } from '../lib/useAsync';
import { Money } from './ui';

/** A search field that suggests products as you type (a combobox), and searches on Enter. */
export function SearchBox({ initial = '' }: { initial?: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const id = useId();
  const [q, setQ] = useState(initial);
  const [items, setItems] = useState<Product[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const debounced = useDebounced(q.trim(), 200);

  useEffect(() => {
    if (debounced.length < 2) {
      setItems([]);
      return;
    }
    const ctl = new AbortController();
    catalog.products({ q: debounced, limit: 6 }, ctl.signal).then(
      (p) => {
        setItems(p.items);
        setActive(-1);
      },
      () => setItems([]),
    );
    return () => ctl.abort();
  }, [debounced]);

  const listId = `${id}-list`;
  const show = open && items.length > 0;
  return (
    <form
      role="search"
      className="searchbox"
      onSubmit={(e) => {
        e.preventDefault();
        setOpen(false);
        const chosen = active >= 0 ? items[active] : undefined;
        if (chosen) navigate(`/products/${chosen.id}`);
        else navigate(`/search?q=${encodeURIComponent(q.trim())}`);
      }}
    >
      <label htmlFor={`${id}-q`} className="sr-only">
        {t('shop.searchLabel')}
      </label>
      <input
        id={`${id}-q`}
        type="search"
        value={q}
        placeholder={t('shop.searchPlaceholder')}
        autoComplete="off"
        role="combobox"
        aria-expanded={show}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? `${listId}-${active}` : undefined}
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(items.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(-1, a - 1));
          } else if (e.key === 'Escape') {
            setOpen(false);
          }
        }}
      />
      <button type="submit" className="btn btn-primary">
        {t('common.search')}
      </button>
      <ul id={listId} role="listbox" className={show ? 'suggestions' : 'suggestions hidden'} aria-label={t('shop.suggestions')}>
        {show
          ? items.map((p, i) => (
              <li
                key={p.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(e) => {
                  e.preventDefault();
                  setOpen(false);
                  navigate(`/products/${p.id}`);
                }}
              >
                <span>{p.name}</span>
                <Money amount={p.price} currency={p.currency} />
              </li>
            ))
          : null}
      </ul>
    </form>
  );
}
