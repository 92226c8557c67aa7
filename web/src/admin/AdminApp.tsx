import { NavLink, Route, Routes } from 'react-router-dom';
import { PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { Audit } from './Audit';
import { Bookings } from './Bookings';
import { Dashboard } from './Dashboard';
import { Flights } from './Flights';
import { Orders } from './Orders';
import { Products } from './Products';
import { Users } from './Users';

/** The back office, loaded lazily (its own chunk) and shown to admins only. */
export default function AdminApp() {
  const { t } = useI18n();
  const links = [
    ['', t('admin.dashboard')],
    ['products', t('admin.products')],
    ['flights', t('admin.flights')],
    ['orders', t('admin.orders')],
    ['bookings', t('admin.bookings')],
    ['users', t('admin.users')],
    ['audit', t('admin.audit')],
  ] as const;
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label={t('admin.title')}>
        {links.map(([to, label]) => (
          <NavLink key={to} to={`/admin${to ? `/${to}` : ''}`} end={to === ''}>
            {label}
          </NavLink>
        ))}
      </nav>
      <div>
        <Routes>
          <Route index element={<Dashboard />} />
          <Route path="products" element={<Products />} />
          <Route path="flights" element={<Flights />} />
          <Route path="orders" element={<Orders />} />
          <Route path="bookings" element={<Bookings />} />
          <Route path="users" element={<Users />} />
          <Route path="audit" element={<Audit />} />
          <Route path="*" element={<PageTitle>{t('errors.notFoundPage')}</PageTitle>} />
        </Routes>
      </div>
    </div>
  );
}
