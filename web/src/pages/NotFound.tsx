import { Link } from 'react-router-dom';
import { Empty, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <PageTitle>{t('errors.notFoundPage')}</PageTitle>
      <Empty action={<Link to="/">{t('errors.goHome')}</Link>}>{t('errors.not_found')}</Empty>
    </section>
  );
}
