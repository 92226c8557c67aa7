import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError, isApiError } from '../../api/problem';
import { useAuth } from '../../auth/AuthContext';
import { session } from '../../auth/session';
import { ErrorMessage, PageTitle } from '../../components/ui';
import { useI18n } from '../../i18n';

function useReturnTo(): string {
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return from && from.startsWith('/') && !from.startsWith('/login') && !from.startsWith('/signup') ? from : '/';
}

export function Login() {
  const { t } = useI18n();
  const { status } = useAuth();
  const navigate = useNavigate();
  const returnTo = useReturnTo();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (status === 'signed_in' && !busy) return <Navigate to={returnTo} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.login(email.trim(), password);
      navigate(returnTo, { replace: true });
    } catch (err) {
      setError(isApiError(err) && err.status === 401 ? new ApiError({ ...err.problem, code: 'bad_credentials' }) : err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auth-page card">
      <PageTitle>{t('auth.login.title')}</PageTitle>
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor="login-email">{t('auth.email')}</label>
          <input id="login-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('auth.password')}</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {error ? <ErrorMessage error={error} focus /> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {t('auth.submitLogin')}
        </button>
      </form>
      <p className="muted">
        {t('auth.noAccount')}{' '}
        <Link to="/signup" state={{ from: returnTo }}>
          {t('nav.signup')}
        </Link>
      </p>
    </section>
  );
}

export function Signup() {
  const { t } = useI18n();
  const { status } = useAuth();
  const navigate = useNavigate();
  const returnTo = useReturnTo();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (status === 'signed_in' && !busy) return <Navigate to={returnTo} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signup(email.trim(), password, name.trim());
      navigate(returnTo, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const field = isApiError(error) ? error.problem.field : undefined;

  return (
    <section className="auth-page card">
      <PageTitle>{t('auth.signup.title')}</PageTitle>
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor="su-name">{t('auth.name')}</label>
          <input id="su-name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} aria-invalid={field === 'name' || undefined} />
        </div>
        <div className="field">
          <label htmlFor="su-email">{t('auth.email')}</label>
          <input
            id="su-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={field === 'email' || undefined}
          />
        </div>
        <div className="field">
          <label htmlFor="su-password">{t('auth.password')}</label>
          <input
            id="su-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            aria-describedby="su-password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={field === 'password' || undefined}
          />
          <p id="su-password-hint" className="hint">
            {t('auth.passwordHint')}
          </p>
        </div>
        {error ? <ErrorMessage error={error} focus /> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {t('auth.submitSignup')}
        </button>
      </form>
      <p className="muted">
        {t('auth.haveAccount')}{' '}
        <Link to="/login" state={{ from: returnTo }}>
          {t('nav.login')}
        </Link>
      </p>
    </section>
  );
}
