import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem';
import { IntentKey, outcomeUnknown } from './idempotency';

describe('IntentKey', () => {
  it('reuses the key for the same body (double click, retry)', () => {
    const k = new IntentKey();
    const a = k.for({ payment_method: 'pm_card_ok', expected_total: 100 });
    const b = k.for({ payment_method: 'pm_card_ok', expected_total: 100 });
    expect(a).toBe(b);
  });
  it('takes a new key for another body or after a settled failure', () => {
    const k = new IntentKey();
    const a = k.for({ payment_method: 'pm_card_declined' });
    const b = k.for({ payment_method: 'pm_card_ok' });
    expect(b).not.toBe(a);
    k.settle();
    expect(k.for({ payment_method: 'pm_card_ok' })).not.toBe(b);
  });
  it('treats network failures and 5xx as unknown outcomes', () => {
    expect(outcomeUnknown(new ApiError({ status: 0 }))).toBe(true);
    expect(outcomeUnknown(new ApiError({ status: 503 }))).toBe(true);
    expect(outcomeUnknown(new ApiError({ status: 402, code: 'payment_declined' }))).toBe(false);
  });
});
