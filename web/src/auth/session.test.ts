import { afterEach, describe, expect, it, vi } from 'vitest';
import { get } from '../api/http';
import { session } from './session';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'wayfare_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  session.reset();
});

describe('session', () => {
  it('restores from the refresh cookie with the CSRF header, keeping the token in memory only', async () => {
    document.cookie = 'wayfare_csrf=csrf123; path=/';
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        if (url === '/api/auth/refresh') return json(200, { access_token: 'at1', token_type: 'Bearer', expires_in: 900 });
        if (url === '/api/auth/me') return json(200, { id: 'u1', email: 'a@example.com', name: 'A', role: 'customer' });
        return json(200, { ok: true });
      }),
    );
    await session.restore();
    expect(session.state.status).toBe('signed_in');
    const refresh = calls[0]!;
    expect(refresh.init.credentials).toBe('same-origin');
    expect((refresh.init.headers as Record<string, string>)['x-csrf-token']).toBe('csrf123');
    expect(refresh.init.body).toBe('{}');
    expect((calls[1]!.init.headers as Record<string, string>).authorization).toBe('Bearer at1');
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toMatch(/at1/);
  });

  it('stays signed out without the cookie, and renews once on a 401', async () => {
    await session.restore();
    expect(session.state.status).toBe('anonymous');

    document.cookie = 'wayfare_csrf=c2; path=/';
    let refreshes = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const auth = (init.headers as Record<string, string>).authorization;
        if (url === '/api/auth/refresh') return json(200, { access_token: `at${++refreshes + 1}`, expires_in: 900 });
        if (url === '/api/auth/me') return json(200, { id: 'u1', email: 'a@example.com', name: 'A', role: 'admin' });
        if (url === '/api/orders') return auth === 'Bearer at2' ? json(401, { status: 401, code: 'unauthorized' }) : json(200, { items: [] });
        return json(404, {});
      }),
    );
    await session.restore(); // at2
    const page = await get<{ items: unknown[] }>('/api/orders'); // 401 with at2 → refresh → at3 → retry
    expect(page.items).toEqual([]);
    expect(refreshes).toBe(2);
  });
});
