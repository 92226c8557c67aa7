import { useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { session } from '../auth/session';
import { useI18n, type Lang } from '../i18n';
import { useCart } from '../lib/cart';

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { status, user, isAdmin } = useAuth();
  const { count } = useCart();
  const navigate = useNavigate();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const close = () => setOpen(false);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to="/" className="brand" onClick={close}>
            <svg aria-hidden="true" width="28" height="28" viewBox="0 0 32 32">
              <rect width="32" height="32" rx="8" fill="currentColor" />
              <path d="M7 20l18-8-6 12-3-4z" fill="#fff" />
            </svg>
            <span>{t('app.name')}</span>
          </Link>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={open}
            aria-controls="main-nav"
            onClick={() => setOpen((o) => !o)}
          >
            <span className="sr-only">{t('nav.menu')}</span>
            <svg aria-hidden="true" width="24" height="24" viewBox="0 0 24 24">
              <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            </svg>
          </button>
          <nav id="main-nav" aria-label={t('nav.menu')} className={open ? 'nav open' : 'nav'}>
            <NavLink to="/" end onClick={close}>
              {t('nav.shop')}
            </NavLink>
            <NavLink to="/flights" onClick={close}>
              {t('nav.flights')}
            </NavLink>
            <NavLink to="/manage" onClick={close}>
              {t('nav.manage')}
            </NavLink>
            {status === 'signed_in' ? (
              <>
                <NavLink to="/trips" onClick={close}>
                  {t('nav.trips')}
                </NavLink>
                <NavLink to="/orders" onClick={close}>
                  {t('nav.orders')}
                </NavLink>
                {isAdmin ? (
                  <NavLink to="/admin" onClick={close}>
                    {t('nav.admin')}
                  </NavLink>
                ) : null}
              </>
            ) : null}
            <span className="nav-spacer" />
            <NavLink to="/cart" onClick={close} className="cart-link" aria-label={t('nav.cartCount', { count })}>
              <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24">
                <path
                  d="M3 4h2l2.4 11.2a2 2 0 0 0 2 1.6h7.8a2 2 0 0 0 2-1.5L21 8H6.2"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                  strokeLinecap="round"
                  strokeLinejoin="round"
                />
                <circle cx="10" cy="20.5" r="1.5" fill="currentColor" />
                <circle cx="17" cy="20.5" r="1.5" fill="currentColor" />
              </svg>
              <span aria-hidden="true">{t('nav.cart')}</span>
              {count > 0 ? (
                <span className="cart-count" aria-hidden="true" data-testid="cart-count">
                  {count}
                </span>
              ) : null}
            </NavLink>
            {status === 'signed_in' ? (
              <>
                <NavLink to="/account" onClick={close} title={user?.email}>
                  {user?.name ?? t('nav.account')}
                </NavLink>
                <button
                  type="button"
                  className="link-button"
                  onClick={async () => {
                    close();
                    await session.logout();
                    navigate('/');
                  }}
                >
                  {t('nav.logout')}
                </button>
              </>
            ) : status === 'anonymous' ? (
              <>
                <NavLink to="/login" state={{ from: location.pathname + location.search }} onClick={close}>
                  {t('nav.login')}
                </NavLink>
                <Link to="/signup" className="btn btn-primary btn-small" onClick={close}>
                  {t('nav.signup')}
                </Link>
              </>
            ) : null}
            <label className="lang-select">
              <span className="sr-only">{t('nav.language')}</span>
              <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t('nav.language')}>
                <option value="en">English</option>
                <option value="ko">한국어</option>
              </select>
            </label>
          </nav>
        </div>
      </header>
      <main id="main" className="container main" tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">
          <p>{t('footer.note')}</p>
        </div>
      </footer>
    </div>
  );
}
