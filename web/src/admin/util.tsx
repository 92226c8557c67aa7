import { useState, type ReactNode } from 'react';
import { request, type Query } from '../api/http';
import { Pager, useCursorPages } from '../components/Pager';
import { Empty, ErrorMessage, Skeleton } from '../components/ui';
import { useAsync } from '../lib/useAsync';

/** The back office passes each owner's JSON through (typed `object` in the OpenAPI document). */
export type Row = Record<string, unknown>;

export function field(row: unknown, ...path: string[]): unknown {
  let v: unknown = row;
  for (const k of path) {
    if (v && typeof v === 'object' && k in (v as Row)) v = (v as Row)[k];
    else return undefined;
  }
  return v;
}

export function str(row: unknown, ...keys: string[]): string {
  for (const k of keys) {
    const v = field(row, ...k.split('.'));
    if (v !== undefined && v !== null && v !== '') return String(v);
  }
  return '';
}

export function num(row: unknown, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = field(row, ...k.split('.'));
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return null;
}

export function items(v: unknown): Row[] {
  if (Array.isArray(v)) return v as Row[];
  const i = field(v, 'items');
  return Array.isArray(i) ? (i as Row[]) : [];
}

/** The resource's version for If-Match: the ETag header, else its `version` field. */
export function versionOf(row: Row, etag?: string | null): string | undefined {
  if (etag) return etag;
  const v = row.version;
  return v === undefined || v === null ? undefined : `"${String(v)}"`;
}

export async function adminWrite<T = Row>(
  path: string,
  method: 'POST' | 'PATCH' | 'PUT',
  body: unknown,
  version?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (version) headers['if-match'] = version;
  return (await request<T>(path, { method, body, headers })).data;
}

export interface Column {
  key: string;
  label: string;
  render: (row: Row) => ReactNode;
  num?: boolean;
}

/** A cursor-paged table of an admin list endpoint. */
export function AdminTable({
  path,
  query,
  columns,
  caption,
  empty,
  reloadKey = 0,
  rowKey = (r) => str(r, 'id'),
}: {
  path: string;
  query: Query;
  columns: Column[];
  caption: string;
  empty: string;
  reloadKey?: number;
  rowKey?: (r: Row) => string;
}) {
  const qkey = JSON.stringify(query);
  const pages = useCursorPages(`${path}|${qkey}`);
  const list = useAsync(
    (signal) => request<unknown>(path, { query: { limit: 20, ...query, cursor: pages.cursor }, signal }).then((r) => r.data),
    [path, qkey, pages.cursor, reloadKey],
  );
  if (list.status === 'error' && !list.data) return <ErrorMessage error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Skeleton lines={6} />;
  const rows = items(list.data);
  const next = str(list.data, 'next_cursor');
  return (
    <div className={list.status === 'loading' ? 'stale' : undefined}>
      {list.status === 'error' ? <ErrorMessage error={list.error} onRetry={list.reload} /> : null}
      {rows.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{caption}</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.key} scope="col" className={c.num ? 'num' : undefined}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={rowKey(r) || i}>
                  {columns.map((c) => (
                    <td key={c.key} className={c.num ? 'num' : undefined}>
                      {c.render(r)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pages.page} hasPrev={pages.hasPrev} hasNext={!!next} onPrev={pages.prev} onNext={() => next && pages.next(next)} />
    </div>
  );
}

/** A one-shot action with its own busy/error state. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}
