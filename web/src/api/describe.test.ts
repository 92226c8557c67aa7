import { describe, expect, it } from 'vitest';
import { translate } from '../i18n';
import { describeError } from './describe';
import { ApiError, problemFrom } from './problem';

const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate('en', k, v);
const tKo = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate('ko', k, v);

describe('describeError', () => {
  it('says a declined card in words', () => {
    const e = new ApiError({ status: 402, code: 'payment_declined', detail: 'card_declined' });
    expect(describeError(e, t)).toMatch(/card was declined/);
  });
  it('names the field of a validation problem', () => {
    const e = new ApiError({ status: 422, code: 'validation_failed', field: 'password', detail: 'must be at least 10 characters' });
    expect(describeError(e, t)).toBe('Please check password: must be at least 10 characters');
  });
  it('uses Retry-After for rate limits', () => {
    const e = new ApiError({ status: 429, code: 'rate_limited' }, 7);
    expect(describeError(e, t)).toMatch(/7 seconds/);
  });
  it('names the taken seat', () => {
    const e = new ApiError({ status: 409, code: 'seat_unavailable', seat: '12A' });
    expect(describeError(e, t)).toMatch(/12A/);
  });
  it('never shows a server error’s internals', () => {
    const e = new ApiError({ status: 500, code: 'whatever_new', detail: 'panic at src/x.rs' });
    expect(describeError(e, t)).toBe(t('errors.internal_error'));
  });
  it('speaks Korean too', () => {
    const e = new ApiError({ status: 402, code: 'payment_declined' });
    expect(describeError(e, tKo)).not.toBe(describeError(e, t));
  });
});

describe('problemFrom', () => {
  it('reads problem+json and Retry-After', async () => {
    const res = new Response(JSON.stringify({ type: 'x', title: 'Conflict', status: 409, code: 'out_of_stock', detail: 'gone' }), {
      status: 409,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '3' },
    });
    const e = await problemFrom(res);
    expect(e.code).toBe('out_of_stock');
    expect(e.status).toBe(409);
    expect(e.retryAfter).toBe(3);
  });
  it('copes with a body that is not JSON', async () => {
    const e = await problemFrom(new Response('<html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    expect(e.code).toBe('http_502');
  });
});
