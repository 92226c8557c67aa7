import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { CabinView } from '../api/types';
import { I18nProvider } from '../i18n';
import { SeatMap } from './SeatMap';

const seat = (row: number, letter: string, extra: Partial<{ available: boolean; features: string[]; position: 'window' | 'middle' | 'aisle' }> = {}) => ({
  designator: `${row}${letter}`,
  letter,
  position: extra.position ?? ('window' as const),
  features: extra.features ?? [],
  surcharge: extra.features?.includes('extra_legroom') ? 4500 : 1500,
  currency: 'USD',
  available: extra.available ?? true,
});

const cabin: CabinView = {
  cabin: 'economy',
  columns: ['A', 'B', null, 'C', 'D'],
  seats_available: 3,
  rows: [
    { row: 12, exit_row: true, seats: [seat(12, 'A', { features: ['extra_legroom', 'exit_row'] }), seat(12, 'B', { position: 'aisle' }), null, seat(12, 'C', { available: false }), seat(12, 'D')] },
  ],
};

describe('SeatMap', () => {
  it('draws seats with aisles and shows surcharges by fare family', () => {
    render(
      <I18nProvider lang="en">
        <SeatMap cabin={cabin} family="standard" marks={{ mine: {} }} onPick={() => {}} />
      </I18nProvider>,
    );
    expect(screen.getByRole('button', { name: /12A, window, extra legroom, exit row, \$45\.00/ })).toBeTruthy();
    // On a standard fare a plain seat is free.
    expect(screen.getByRole('button', { name: /12B, aisle, Free/ })).toBeTruthy();
    const taken = screen.getByRole('button', { name: /12C.*unavailable/ });
    expect((taken as HTMLButtonElement).disabled).toBe(true);
  });

  it('charges every seat on basic and reports picks', () => {
    const onPick = vi.fn();
    render(
      <I18nProvider lang="en">
        <SeatMap cabin={cabin} family="basic" marks={{ mine: { '12D': '1' } }} onPick={onPick} />
      </I18nProvider>,
    );
    const mine = screen.getByRole('button', { name: /12D, window, \$15\.00/ });
    expect(mine.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: /12B/ }));
    expect(onPick).toHaveBeenCalledWith(expect.objectContaining({ designator: '12B' }));
  });
});
