import { describe, expect, it } from 'vitest';
import { countdown, currencyDigits, formatMoney, formatMoneyShort, formatTime, isoDate } from './format';

describe('money', () => {
  it('knows each currency’s minor units', () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('KRW')).toBe(0);
    expect(currencyDigits('JPY')).toBe(0);
  });
  it('formats per currency and locale', () => {
    expect(formatMoney(1999, 'USD', 'en-US')).toBe('$19.99');
    expect(formatMoney(15000, 'KRW', 'ko-KR')).toBe('₩15,000');
    expect(formatMoney(123456, 'EUR', 'en-US')).toBe('€1,234.56');
    expect(formatMoneyShort(17799, 'USD', 'en-US')).toBe('$178');
  });
});

describe('times', () => {
  it('shows a time in the airport’s zone', () => {
    const iso = '2026-12-08T00:30:00Z';
    expect(formatTime(iso, 'Asia/Seoul', 'en-GB')).toBe('09:30');
    expect(formatTime(iso, 'America/Los_Angeles', 'en-GB')).toBe('16:30');
  });
  it('counts down to a deadline', () => {
    const now = Date.parse('2026-12-08T00:00:00Z');
    expect(countdown('2026-12-08T00:14:05Z', now)).toBe('14:05');
    expect(countdown('2026-12-07T23:59:00Z', now)).toBeNull();
  });
  it('gives ISO dates', () => {
    expect(isoDate(1, new Date(2026, 11, 31))).toBe('2027-01-01');
  });
});
