import { useEffect, useId, useState } from 'react';
import { flights } from '../api/endpoints';
import type { Airport } from '../api/types';
import { useI18n } from '../i18n';
import { useDebounced } from '../lib/useAsync';

/** Airport autocomplete (ARIA combobox): type a code, a city or a name; pick with arrows and Enter. */
export function AirportInput({
  label,
  value,
  onChange,
  id: givenId,
}: {
  label: string;
  value: string;
  onChange: (code: string, airport?: Airport) => void;
  id?: string;
}) {
  const { t } = useI18n();
  const autoId = useId();
  const id = givenId ?? autoId;
  const [text, setText] = useState(value);
  const [items, setItems] = useState<Airport[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const q = useDebounced(text.trim(), 150);

  useEffect(() => {
    setText((cur) => (cur.toUpperCase().startsWith(value) && value ? cur : value));
  }, [value]);

  useEffect(() => {
    if (!open || q.length < 1) {
      setItems([]);
      return;
    }
    const ctl = new AbortController();
    flights.airports(q, ctl.signal).then(
      (r) => {
        setItems(r.items.slice(0, 8));
        setActive(0);
      },
      () => setItems([]),
    );
    return () => ctl.abort();
  }, [q, open]);

  const pick = (a: Airport) => {
    setText(`${a.code} · ${a.city}`);
    setOpen(false);
    onChange(a.code, a);
  };
  const listId = `${id}-list`;
  const show = open && q.length > 0;

  return (
    <div className="field combo">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        placeholder={t('flights.airportPlaceholder')}
        autoComplete="off"
        role="combobox"
        aria-expanded={show && items.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={show && items[active] ? `${listId}-${active}` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          const code = e.target.value.trim().toUpperCase();
          onChange(/^[A-Z]{3}$/.test(code) ? code : '');
        }}
        onFocus={(e) => e.target.select()}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(items.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Enter' && show && items[active]) {
            e.preventDefault();
            pick(items[active]);
          } else if (e.key === 'Escape') {
            setOpen(false);
          }
        }}
      />
      <ul id={listId} role="listbox" aria-label={label} className={show ? 'suggestions' : 'suggestions hidden'}>
        {show && items.length === 0 ? <li className="muted">{t('flights.noAirport')}</li> : null}
        {show
          ? items.map((a, i) => (
              <li
                key={a.code}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(a);
                }}
              >
                <strong>{a.code}</strong> <span>{a.city}</span> <span className="muted small">{a.name}</span>
              </li>
            ))
          : null}
      </ul>
    </div>
  );
}
