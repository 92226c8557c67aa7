import { useState } from 'react';
import { buildUrl } from '../api/http';
import { problemFrom } from '../api/problem';
import { session } from '../auth/session';
import { ErrorMessage, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useAdminT } from './messages';
import { AdminTable, str, useAction } from './util';

export function Audit() {
  const { t, locale } = useI18n();
  const a = useAdminT();
  const [f, setF] = useState({ actor: '', action: '', target: '' });
  const [applied, setApplied] = useState(f);
  const act = useAction();
  const query = { actor: applied.actor.trim() || undefined, action: applied.action.trim() || undefined, target: applied.target.trim() || undefined };

  // The CSV needs the bearer token, so it is fetched and handed to the browser as a file.
  const exportCsv = () =>
    act.run(async () => {
      const res = await fetch(buildUrl('/api/admin/audit.csv', query), { headers: { authorization: `Bearer ${session.token ?? ''}` }, credentials: 'same-origin' });
      if (!res.ok) throw await problemFrom(res);
      const url = URL.createObjectURL(await res.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = 'wayfare-audit.csv';
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });

  return (
    <section>
      <PageTitle>{t('admin.audit')}</PageTitle>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(f);
        }}
      >
        <div className="field">
          <label htmlFor="aa-actor">{a('actor')}</label>
          <input id="aa-actor" value={f.actor} onChange={(e) => setF({ ...f, actor: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="aa-action">{a('action')}</label>
          <input id="aa-action" value={f.action} placeholder="flight.cancel" onChange={(e) => setF({ ...f, action: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="aa-target">{a('target')}</label>
          <input id="aa-target" value={f.target} onChange={(e) => setF({ ...f, target: e.target.value })} />
        </div>
        <button type="submit" className="btn btn-secondary">
          {a('apply')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={exportCsv} disabled={act.busy}>
          {a('exportCsv')}
        </button>
      </form>
      {act.error ? <ErrorMessage error={act.error} /> : null}
      <AdminTable
        path="/api/admin/audit"
        query={query}
        caption={t('admin.audit')}
        empty="—"
        columns={[
          { key: 'at', label: a('at'), render: (e) => (str(e, 'at') ? formatDateTime(str(e, 'at'), locale) : '') },
          { key: 'ac', label: a('actor'), render: (e) => str(e, 'actor.email', 'actor_email', 'actor.id') },
          { key: 'a', label: a('action'), render: (e) => <code>{str(e, 'action')}</code> },
          { key: 't', label: a('target'), render: (e) => `${str(e, 'target.type', 'target_type')}:${str(e, 'target.id', 'target_id').slice(-8)}` },
        ]}
      />
    </section>
  );
}
