import { ApiError, problemFrom } from './problem';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Skip the bearer token (public calls, auth calls). */
  anonymous?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  headers: Headers;
}

/** Where the access token is kept: in memory, and only here. */
interface TokenSource {
  get(): string | null;
  /** Tries to get a new access token after a 401; resolves to the new one or null. */
  renew(): Promise<string | null>;
}

let tokens: TokenSource = { get: () => null, renew: async () => null };

export function setTokenSource(source: TokenSource): void {
  tokens = source;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send(path: string, opts: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (token && !opts.anonymous) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError({ status: 0, code: 'network_error', detail: String(e) });
  }
}

/** Calls the API; a 401 with a token renews the session once and retries. Errors throw ApiError. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const token = opts.anonymous ? null : tokens.get();
  let res = await send(path, opts, token);
  if (res.status === 401 && token) {
    const fresh = await tokens.renew();
    if (fresh) res = await send(path, opts, fresh);
  }
  if (!res.ok) throw await problemFrom(res);
  let data: unknown = undefined;
  if (res.status !== 204) {
    const type = res.headers.get('content-type') ?? '';
    data = type.includes('json') ? await res.json() : await res.text();
  }
  return { data: data as T, status: res.status, headers: res.headers };
}

export async function get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  return (await request<T>(path, { query, signal })).data;
}

/** A fresh idempotency key (one per user intent; a retry reuses it). */
export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
