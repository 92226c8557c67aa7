import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../../i18n';
import { CartProvider } from '../../lib/cart';
import { Checkout } from './Checkout';

const cartBody = {
  items: [{ product_id: 'p1', quantity: 2, name: 'Travel Mug', unit_price: 1250, currency: 'USD', line_total: 2500, available: true, in_stock: true }],
  total: 2500,
  currency: 'USD',
  totals: [{ currency: 'USD', total: 2500 }],
  price_changed: false,
};

function json(status: number, body: unknown, type = 'application/json') {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

let orderCalls: { key: string | null; body: unknown }[];

function setup(answers: (() => Promise<Response>)[]) {
  orderCalls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.startsWith('/api/cart')) return json(200, cartBody);
      if (url === '/api/orders') {
        const headers = init.headers as Record<string, string>;
        orderCalls.push({ key: headers['idempotency-key'] ?? null, body: JSON.parse(String(init.body)) });
        const next = answers.shift();
        if (!next) throw new Error('unexpected call');
        return next();
      }
      return json(404, { status: 404, code: 'not_found' }, 'application/problem+json');
    }),
  );
  render(
    <I18nProvider lang="en">
      <CartProvider>
        <MemoryRouter initialEntries={['/checkout']}>
          <Routes>
            <Route path="/checkout" element={<Checkout />} />
            <Route path="/orders/:id" element={<p>order page</p>} />
          </Routes>
        </MemoryRouter>
      </CartProvider>
    </I18nProvider>,
  );
}

describe('Checkout', () => {
  beforeEach(() => vi.useRealTimers());
  afterEach(() => vi.unstubAllGlobals());

  it('sends one order for a double click, with an Idempotency-Key and the total shown', async () => {
    let release: (r: Response) => void = () => {};
    setup([() => new Promise<Response>((r) => (release = r))]);
    const pay = await screen.findByTestId('pay');
    await waitFor(() => expect(pay.textContent).toContain('$25.00'));
    fireEvent.click(pay);
    fireEvent.click(pay);
    await act(async () => release(json(201, { id: 'o1', status: 'confirmed' })));
    await screen.findByText('order page');
    expect(orderCalls).toHaveLength(1);
    expect(orderCalls[0]?.key).toMatch(/.{16,}/);
    expect(orderCalls[0]?.body).toEqual({ payment_method: 'pm_card_ok', expected_total: 2500 });
  });

  it('retries a failed network call with the same key, and explains a decline', async () => {
    setup([
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => Promise.resolve(json(402, { status: 402, code: 'payment_declined', detail: 'declined' }, 'application/problem+json')),
      () => Promise.resolve(json(201, { id: 'o2', status: 'confirmed' })),
    ]);
    const pay = await screen.findByTestId('pay');
    await waitFor(() => expect(pay.textContent).toContain('$25.00'));
    fireEvent.click(pay);
    await screen.findByText(/cannot reach Wayfare/);
    fireEvent.click(screen.getByTestId('pay'));
    await screen.findByText(/card was declined/);
    expect(screen.getByText(/Your cart is kept/)).toBeTruthy();
    expect(orderCalls[1]?.key).toBe(orderCalls[0]?.key);
    fireEvent.click(screen.getByTestId('pay'));
    await screen.findByText('order page');
    // A declined card settled the first intent: the next try is a new one.
    expect(orderCalls[2]?.key).not.toBe(orderCalls[1]?.key);
  });
});
