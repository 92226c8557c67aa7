import { useAuth } from '../../auth/AuthContext';
import { PageTitle } from '../../components/ui';
import { useI18n } from '../../i18n';
import { formatDate } from '../../lib/format';
import { Link } from 'react-router-dom';

export function Account() {
  const { t, locale } = useI18n();
  const { user } = useAuth();
  if (!user) return null;
  return (
    <section>
      <PageTitle>{t('profile.title')}</PageTitle>
      <div className="card">
        <dl className="dl">
          <dt>{t('common.name')}</dt>
          <dd>{user.name}</dd>
          <dt>{t('common.email')}</dt>
          <dd>{user.email}</dd>
          <dt>{t('profile.role')}</dt>
          <dd>{user.role === 'admin' ? t('profile.role.admin') : t('profile.role.customer')}</dd>
          {user.created_at ? (
            <>
              <dt>{t('profile.memberSince')}</dt>
              <dd>{formatDate(user.created_at, locale)}</dd>
            </>
          ) : null}
        </dl>
        <p className="actions">
          <Link to="/orders" className="btn btn-secondary">
            {t('nav.orders')}
          </Link>
          <Link to="/trips" className="btn btn-secondary">
            {t('nav.trips')}
          </Link>
        </p>
      </div>
    </section>
  );
}
