import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { session, type SessionState } from './session';

const Ctx = createContext<SessionState>(session.state);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>(session.state);
  useEffect(() => {
    const off = session.subscribe(setState);
    if (session.state.status === 'restoring') void session.restore();
    else setState(session.state);
    return off;
  }, []);
  return <Ctx.Provider value={state}>{children}</Ctx.Provider>;
}

export function useAuth(): SessionState & { isAdmin: boolean } {
  const s = useContext(Ctx);
  return { ...s, isAdmin: s.user?.role === 'admin' };
}
