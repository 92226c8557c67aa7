import { lazy, Suspense, useEffect } from 'react';
import { Route, Routes, useLocation } from 'react-router-dom';
import { RequireAuth } from './auth/RequireAuth';
import { Layout } from './components/Layout';
import { Spinner } from './components/ui';
import { Account } from './pages/account/Account';
import { Login, Signup } from './pages/account/Login';
import { NotFound } from './pages/NotFound';
import { Cart } from './pages/shop/Cart';
import { Checkout } from './pages/shop/Checkout';
import { Home } from './pages/shop/Home';
import { OrderDetail, Orders } from './pages/shop/Orders';
import { ProductPage } from './pages/shop/ProductPage';
import { Search } from './pages/shop/Search';
import { FlightSearch } from './pages/flights/FlightSearch';
import { BookFlight } from './pages/flights/BookFlight';
import { Trip, Trips } from './pages/flights/Trips';
import { ManageBooking } from './pages/flights/ManageBooking';

// The back office is its own chunk: shoppers never download it.
const AdminApp = lazy(() => import('./admin/AdminApp'));

function FocusOnNavigate() {
  const { pathname } = useLocation();
  useEffect(() => {
    window.scrollTo(0, 0);
    const main = document.getElementById('main');
    if (main && document.activeElement && document.activeElement !== document.body) main.focus({ preventScroll: true });
  }, [pathname]);
  return null;
}

export function App() {
  return (
    <Layout>
      <FocusOnNavigate />
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/search" element={<Search />} />
        <Route path="/products/:id" element={<ProductPage />} />
        <Route path="/cart" element={<RequireAuth><Cart /></RequireAuth>} />
        <Route path="/checkout" element={<RequireAuth><Checkout /></RequireAuth>} />
        <Route path="/orders" element={<RequireAuth><Orders /></RequireAuth>} />
        <Route path="/orders/:id" element={<RequireAuth><OrderDetail /></RequireAuth>} />
        <Route path="/flights" element={<FlightSearch />} />
        <Route path="/flights/book" element={<RequireAuth><BookFlight /></RequireAuth>} />
        <Route path="/trips" element={<RequireAuth><Trips /></RequireAuth>} />
        <Route path="/trips/:id" element={<RequireAuth><Trip /></RequireAuth>} />
        <Route path="/manage" element={<ManageBooking />} />
        <Route path="/login" element={<Login />} />
        <Route path="/signup" element={<Signup />} />
        <Route path="/account" element={<RequireAuth><Account /></RequireAuth>} />
        <Route
          path="/admin/*"
          element={
            <RequireAuth admin>
              <Suspense fallback={<Spinner />}>
                <AdminApp />
              </Suspense>
            </RequireAuth>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}
