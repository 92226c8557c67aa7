import { describe, expect, it } from 'vitest';
import { dayShift, expectedRefund, seatCharge } from './flights';

const seat = (features: string[]) => ({ surcharge: 1500, features });

describe('seat charges by fare family', () => {
  it('charges every seat on basic', () => {
    expect(seatCharge(seat([]), 'basic')).toBe(1500);
  });
  it('charges only extra legroom and exit rows on standard and flex', () => {
    expect(seatCharge(seat([]), 'standard')).toBe(0);
    expect(seatCharge(seat(['extra_legroom']), 'flex')).toBe(1500);
    expect(seatCharge(seat(['exit_row']), 'standard')).toBe(1500);
  });
});

describe('refund shown before cancelling', () => {
  const base = {
    status: 'confirmed' as const,
    total: 50000,
    refunded_amount: 0,
    passengers: [{ type: 'adult' }, { type: 'adult' }] as never,
    segments: [{}] as never,
  };
  it('basic: nothing', () => expect(expectedRefund({ ...base, fare_family: 'basic' })).toBe(0));
  it('standard: less 75.00 per passenger and segment', () => expect(expectedRefund({ ...base, fare_family: 'standard' })).toBe(35000));
  it('flex: everything', () => expect(expectedRefund({ ...base, fare_family: 'flex' })).toBe(50000));
});

describe('dayShift', () => {
  it('counts calendar days', () => {
    expect(dayShift('2026-12-08', '2026-12-09')).toBe(1);
    expect(dayShift('2026-12-08', '2026-12-08')).toBe(0);
  });
});
