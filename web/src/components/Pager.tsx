import { useCallback, useState } from 'react';
import { useI18n } from '../i18n';

/** Previous / next over cursor pages (the API only goes forward; we keep the cursors we saw). */
export function Pager({ page, hasPrev, hasNext, onPrev, onNext }: { page: number; hasPrev: boolean; hasNext: boolean; onPrev: () => void; onNext: () => void }) {
  const { t } = useI18n();
  if (!hasPrev && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pagination">
      <button type="button" className="btn btn-secondary" disabled={!hasPrev} onClick={onPrev}>
        ← {t('common.previous')}
      </button>
      <span aria-live="polite">{t('common.page', { n: page })}</span>
      <button type="button" className="btn btn-secondary" disabled={!hasNext} onClick={onNext}>
        {t('common.next')} →
      </button>
    </nav>
  );
}


/** Cursor stack: cursors[i] is the cursor that fetched page i+1 (undefined for the first). */
export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({ key: resetKey, cursors: [undefined] });
  const cursors = state.key === resetKey ? state.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const next = useCallback(
    (c: string) => setState({ key: resetKey, cursors: [...cursors, c] }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [resetKey, cursors.length, cursor],
  );
  const prev = useCallback(
    () => setState({ key: resetKey, cursors: cursors.slice(0, -1) }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [resetKey, cursors.length, cursor],
  );
  return { cursor, page: cursors.length, hasPrev: cursors.length > 1, next, prev };
}
