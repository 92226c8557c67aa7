import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { cart as cartApi } from '../api/endpoints';
import type { CartView } from '../api/types';
import { useAuth } from '../auth/AuthContext';

interface CartCtx {
  cart: CartView | null;
  count: number;
  refresh: () => Promise<void>;
  setCart: (c: CartView | null) => void;
}

const Ctx = createContext<CartCtx>({ cart: null, count: 0, refresh: async () => {}, setCart: () => {} });

/** The shopper's cart as the header shows it (count), refreshed after every change. */
export function CartProvider({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const [cart, setCart] = useState<CartView | null>(null);
  const refresh = useCallback(async () => {
    try {
      setCart(await cartApi.get());
    } catch {
      setCart(null);
    }
  }, []);
  useEffect(() => {
    if (status === 'signed_in') void refresh();
    else setCart(null);
  }, [status, refresh]);
  const count = cart ? cart.items.reduce((n, l) => n + l.quantity, 0) : 0;
  return <Ctx.Provider value={{ cart, count, refresh, setCart }}>{children}</Ctx.Provider>;
}

export function useCart(): CartCtx {
  return useContext(Ctx);
}
