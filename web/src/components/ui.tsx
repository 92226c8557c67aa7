import { useEffect, useRef, type ReactNode } from 'react';
import { describeError } from '../api/describe';
import { isApiError } from '../api/problem';
import { useI18n } from '../i18n';
import { formatMoney } from '../lib/format';

export function Spinner({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Skeleton({ lines = 3 }: { lines?: number }) {
  const { t } = useI18n();
  return (
    <div className="skeleton" role="status" aria-label={t('common.loading')}>
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" />
      ))}
    </div>
  );
}

/** A problem shown in words, with the request id to quote and an optional retry. */
export function ErrorMessage({ error, onRetry, focus }: { error: unknown; onRetry?: () => void; focus?: boolean }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus, error]);
  const id = isApiError(error) ? error.problem.request_id : undefined;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref}>
      <p className="alert-text">{describeError(error, t)}</p>
      {id ? <p className="muted small">{t('common.requestId', { id })}</p> : null}
      {onRetry ? (
        <button type="button" className="btn btn-secondary btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'warning' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Empty({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <p>{children}</p>
      {action}
    </div>
  );
}

export function Money({ amount, currency }: { amount: number; currency: string }) {
  const { locale } = useI18n();
  return <span className="money">{formatMoney(amount, currency, locale)}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}` as Parameters<typeof t>[0];
  const label = t(key);
  return <span className={`badge badge-${status}`}>{label === key ? status : label}</span>;
}

export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const text = ref.current?.textContent;
    if (text) document.title = `${text} · Wayfare`;
  });
  return (
    <h1 ref={ref} className="page-title">
      {children}
    </h1>
  );
}
