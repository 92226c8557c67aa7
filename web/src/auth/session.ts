import { request, setTokenSource } from '../api/http';
import { ApiError, isApiError } from '../api/problem';

export type Role = 'customer' | 'admin' | string;

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  created_at?: string;
}

interface TokenAnswer {
  access_token: string;
  token_type?: string;
  expires_in: number;
  /** Only when the server does not (yet) set the HttpOnly cookie: then it is kept in memory only. */
  refresh_token?: string;
}

export interface SessionState {
  status: 'restoring' | 'anonymous' | 'signed_in';
  user: User | null;
}

type Listener = (s: SessionState) => void;

/**
 * The session lives in memory: the access token here, the refresh token in an HttpOnly cookie
 * the browser sends to /api/auth (or, with a server that has no cookie mode, in this module's
 * memory). Nothing is written to localStorage.
 */
class Session {
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private renewing: Promise<string | null> | null = null;
  private listeners = new Set<Listener>();
  state: SessionState = { status: 'restoring', user: null };

  constructor() {
    setTokenSource({ get: () => this.accessToken, renew: () => this.renew() });
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }

  get token(): string | null {
    return this.accessToken;
  }

  /** On page load: restore the session from the refresh cookie, if there is one. */
  async restore(): Promise<void> {
    if (!csrfToken()) {
      this.set({ status: 'anonymous', user: null });
      return;
    }
    const token = await this.renew();
    if (!token) this.set({ status: 'anonymous', user: null });
  }

  async login(email: string, password: string): Promise<User> {
    const { data } = await request<TokenAnswer>('/api/auth/login', {
      method: 'POST',
      body: { email, password, session: 'cookie' },
      anonymous: true,
    });
    return this.accept(data);
  }

  async signup(email: string, password: string, name: string): Promise<User> {
    await request<User>('/api/auth/signup', { method: 'POST', body: { email, password, name }, anonymous: true });
    return this.login(email, password);
  }

  async logout(): Promise<void> {
    const body = this.refreshToken ? { refresh_token: this.refreshToken } : {};
    try {
      await request<void>('/api/auth/logout', { method: 'POST', body, headers: csrfHeader(), anonymous: true });
    } catch {
      // The session ends here whatever the server said.
    }
    this.clear();
  }

  /** A new access token (one refresh at a time); null when the session is gone. */
  renew(): Promise<string | null> {
    if (!this.renewing) {
      this.renewing = this.doRenew().finally(() => {
        this.renewing = null;
      });
    }
    return this.renewing;
  }

  private async doRenew(): Promise<string | null> {
    if (!this.refreshToken && !csrfToken()) {
      if (this.accessToken) this.clear();
      return null;
    }
    try {
      const body = this.refreshToken ? { refresh_token: this.refreshToken } : {};
      const { data } = await request<TokenAnswer>('/api/auth/refresh', {
        method: 'POST',
        body,
        headers: csrfHeader(),
        anonymous: true,
      });
      await this.accept(data);
      return this.accessToken;
    } catch (e) {
      if (isApiError(e) && (e.status === 401 || e.status === 403 || e.status === 422 || e.status === 400)) {
        this.clear();
      } else if (this.state.status === 'restoring') {
        this.set({ status: 'anonymous', user: null });
      }
      return null;
    }
  }

  private async accept(t: TokenAnswer): Promise<User> {
    this.accessToken = t.access_token;
    if (t.refresh_token) this.refreshToken = t.refresh_token;
    this.schedule(t.expires_in);
    const { data: user } = await request<User>('/api/auth/me');
    this.set({ status: 'signed_in', user });
    return user;
  }

  private schedule(expiresIn: number): void {
    if (this.timer) clearTimeout(this.timer);
    const ms = Math.max(10, expiresIn * 0.8) * 1000;
    this.timer = setTimeout(() => void this.renew(), ms);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.accessToken = null;
    this.refreshToken = null;
    this.set({ status: 'anonymous', user: null });
  }

  /** For tests. */
  reset(): void {
    this.clear();
  }
}

export function csrfToken(): string | null {
  if (typeof document === 'undefined') return null;
  const m = document.cookie.match(/(?:^|;\s*)wayfare_csrf=([^;]+)/);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

function csrfHeader(): Record<string, string> {
  const t = csrfToken();
  return t ? { 'x-csrf-token': t } : {};
}

export const session = new Session();
export { ApiError };
