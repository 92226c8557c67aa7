import { useState } from 'react';
import { useAuth } from '../auth/AuthContext';
import { ErrorMessage, Notice, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { formatDate } from '../lib/format';
import { useAdminT } from './messages';
import { AdminTable, adminWrite, str, useAction, versionOf, type Row } from './util';

export function Users() {
  const { t, locale } = useI18n();
  const a = useAdminT();
  const { user } = useAuth();
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [reload, setReload] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useAction();
  const patch = async (u: Row, body: Record<string, unknown>) => {
    const res = await act.run(() => adminWrite(`/api/admin/users/${encodeURIComponent(str(u, 'id'))}`, 'PATCH', body, versionOf(u)));
    if (res) setNotice(a('saved'));
    setReload((n) => n + 1); // a refused write (412: someone changed it) shows the fresh version
  };
  return (
    <section>
      <PageTitle>{t('admin.users')}</PageTitle>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q);
        }}
      >
        <div className="field">
          <label htmlFor="au-q">{a('search')}</label>
          <input id="au-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-secondary">
          {a('apply')}
        </button>
      </form>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {act.error ? <ErrorMessage error={act.error} /> : null}
      <AdminTable
        path="/api/admin/users"
        query={{ q: applied.trim() || undefined }}
        caption={t('admin.users')}
        empty="—"
        reloadKey={reload}
        columns={[
          { key: 'e', label: a('email'), render: (u) => str(u, 'email') },
          { key: 'n', label: a('name'), render: (u) => str(u, 'name') },
          { key: 'r', label: a('role'), render: (u) => str(u, 'role') },
          { key: 'd', label: a('status'), render: (u) => (u.disabled ? a('disabled') : a('enabled')) },
          { key: 'c', label: a('created_at'), render: (u) => (str(u, 'created_at') ? formatDate(str(u, 'created_at'), locale) : '') },
          {
            key: 'x',
            label: t('common.actions'),
            render: (u) =>
              str(u, 'id') === user?.id ? null : (
                <span className="actions">
                  <button type="button" className="btn btn-secondary btn-small" disabled={act.busy} onClick={() => patch(u, { disabled: !u.disabled })}>
                    {u.disabled ? a('enable') : a('disable')}
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    disabled={act.busy}
                    onClick={() => patch(u, { role: str(u, 'role') === 'admin' ? 'customer' : 'admin' })}
                  >
                    {str(u, 'role') === 'admin' ? a('makeCustomer') : a('makeAdmin')}
                  </button>
                </span>
              ),
          },
        ]}
      />
    </section>
  );
}
