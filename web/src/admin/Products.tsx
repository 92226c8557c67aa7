import { useState, type FormEvent } from 'react';
import { catalog } from '../api/endpoints';
import { ErrorMessage, Money, Notice, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { useAsync, useDebounced } from '../lib/useAsync';
import { useAdminT } from './messages';
import { AdminTable, adminWrite, num, str, useAction, versionOf, type Row } from './util';

export function Products() {
  const { t } = useI18n();
  const a = useAdminT();
  const [q, setQ] = useState('');
  const [active, setActive] = useState('');
  const query = useDebounced(q, 250);
  const [reload, setReload] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useAction();
  const cats = useAsync((s) => catalog.categories(s), []);

  const setStock = async (p: Row) => {
    const value = window.prompt(a('stockFor', { name: str(p, 'name') }), String(num(p, 'stock') ?? 0));
    if (value === null || !/^\d+$/.test(value.trim())) return;
    const done = await act.run(() => adminWrite(`/api/admin/products/${encodeURIComponent(str(p, 'id'))}/stock`, 'PUT', { stock: Number(value) }, versionOf(p)));
    if (done) setNotice(a('saved'));
    setReload((n) => n + 1); // a refused write (412: someone changed it) shows the fresh version
  };
  const toggle = async (p: Row) => {
    const done = await act.run(() =>
      adminWrite(`/api/admin/products/${encodeURIComponent(str(p, 'id'))}`, 'PATCH', { active: !(p.active as boolean) }, versionOf(p)),
    );
    if (done) setNotice(a('saved'));
    setReload((n) => n + 1); // a refused write (412: someone changed it) shows the fresh version
  };

  return (
    <section>
      <PageTitle>{t('admin.products')}</PageTitle>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="ap-q">{a('search')}</label>
          <input id="ap-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ap-active">{a('status')}</label>
          <select id="ap-active" value={active} onChange={(e) => setActive(e.target.value)}>
            <option value="">{a('any')}</option>
            <option value="true">{a('active')}</option>
            <option value="false">{a('inactive')}</option>
          </select>
        </div>
      </div>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {act.error ? <ErrorMessage error={act.error} /> : null}
      <AdminTable
        path="/api/admin/products"
        query={{ q: query || undefined, active: active || undefined }}
        caption={t('admin.products')}
        empty={t('shop.empty')}
        reloadKey={reload}
        columns={[
          { key: 'name', label: a('product'), render: (p) => <span className="strong">{str(p, 'name')}</span> },
          { key: 'sku', label: a('sku'), render: (p) => <code>{str(p, 'sku')}</code> },
          { key: 'cat', label: a('category'), render: (p) => cats.data?.find((c) => c.id === str(p, 'category'))?.name ?? str(p, 'category') },
          { key: 'price', label: a('price'), num: true, render: (p) => <Money amount={num(p, 'price') ?? 0} currency={str(p, 'currency') || 'USD'} /> },
          { key: 'stock', label: a('stock'), num: true, render: (p) => num(p, 'stock') },
          { key: 'active', label: a('status'), render: (p) => (p.active ? a('active') : a('inactive')) },
          {
            key: 'x',
            label: t('common.actions'),
            render: (p) => (
              <span className="actions">
                <button type="button" className="btn btn-secondary btn-small" disabled={act.busy} onClick={() => setStock(p)}>
                  {a('setStock')}
                </button>
                <button type="button" className="btn btn-ghost btn-small" disabled={act.busy} onClick={() => toggle(p)}>
                  {p.active ? a('deactivate') : a('activate')}
                </button>
              </span>
            ),
          },
        ]}
      />
      <NewProduct categories={cats.data ?? []} onCreated={() => setReload((n) => n + 1)} />
    </section>
  );
}

function NewProduct({ categories, onCreated }: { categories: { id: string; name: string }[]; onCreated: () => void }) {
  const a = useAdminT();
  const { t } = useI18n();
  const blank = { sku: '', name: '', description: '', price: '', currency: 'USD', stock: '0', category: '' };
  const [f, setF] = useState(blank);
  const act = useAction();
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    const created = await act.run(() =>
      adminWrite('/api/admin/products', 'POST', {
        sku: f.sku.trim(),
        name: f.name.trim(),
        description: f.description.trim(),
        price: Number(f.price),
        currency: f.currency.trim().toUpperCase(),
        stock: Number(f.stock),
        category: f.category || categories[0]?.id,
      }),
    );
    if (created) {
      setDone(true);
      setF(blank);
      onCreated();
    }
  };
  const input = (k: keyof typeof blank, label: string, props: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`np-${k}`}>{label}</label>
      <input id={`np-${k}`} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} required {...props} />
    </div>
  );
  return (
    <form className="card" onSubmit={submit}>
      <h2>{a('newProduct')}</h2>
      <div className="form-grid">
        {input('sku', a('sku'))}
        {input('name', a('name'))}
        {input('price', a('priceMinor'), { type: 'number', min: 0 })}
        {input('currency', a('currency'), { maxLength: 3 })}
        {input('stock', a('stock'), { type: 'number', min: 0 })}
        <div className="field">
          <label htmlFor="np-category">{a('category')}</label>
          <select id="np-category" value={f.category} onChange={(e) => setF({ ...f, category: e.target.value })}>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="np-description">{a('description')}</label>
        <textarea id="np-description" rows={3} value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} />
      </div>
      {act.error ? <ErrorMessage error={act.error} /> : null}
      {done ? <Notice kind="success">{a('created')}</Notice> : null}
      <p>
        <button type="submit" className="btn btn-primary" disabled={act.busy}>
          {t('common.create')}
        </button>
      </p>
    </form>
  );
}
