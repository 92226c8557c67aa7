import type { MessageKey } from '../i18n';
import { en } from '../i18n/en';
import { isApiError } from './problem';

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** Says what went wrong in words a shopper understands, from the problem's stable `code`. */
export function describeError(e: unknown, t: T): string {
  if (!isApiError(e)) return t('errors.generic');
  const p = e.problem;
  const code = e.code;
  if (code === 'validation_failed') {
    const detail = p.detail ?? '';
    return p.field ? t('errors.validation_failed', { field: p.field.replace(/_/g, ' '), detail }) : t('errors.validation_failed_nofield', { detail });
  }
  if (code === 'rate_limited' || e.status === 429) return t('errors.rate_limited', { seconds: e.retryAfter ?? 5 });
  if (code === 'seat_unavailable') return t('errors.seat_unavailable', { seat: String(p.seat ?? '') });
  if (code === 'unauthorized' && e.status === 401) return t('errors.unauthorized');
  const key = `errors.${code}` as MessageKey;
  if (key in en) return t(key);
  if (e.status >= 500) return t('errors.internal_error');
  if (e.status === 404) return t('errors.not_found');
  if (e.status === 403) return t('errors.forbidden');
  return p.detail ?? t('errors.generic');
}
