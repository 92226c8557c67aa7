// Every main page: an axe-core scan (no serious or critical violations) and a screenshot at
// phone (375 px) and desktop width, in test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { go, launch, newPage, shot, checkA11y, signUpInUi, logInInUi, uniqueEmail, ADMIN, PHONE, DESKTOP, tomorrow } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function visit(page, path, ready) {
  await go(page, path);
  await ready(page);
  await page.waitForLoadState('networkidle');
}

const publicPages = [
  ['home', '/', (p) => p.getByTestId('product-grid').waitFor()],
  ['search', '/search?q=travel', (p) => p.locator('main h1').waitFor()],
  ['products', '/search', (p) => p.getByTestId('product-grid').waitFor()],
  ['login', '/login', (p) => p.getByRole('heading', { name: 'Log in' }).waitFor()],
  ['signup', '/signup', (p) => p.getByRole('heading', { name: 'Create your account' }).waitFor()],
  ['flights', '/flights', (p) => p.getByRole('heading', { name: 'Find a flight' }).waitFor()],
  ['flight-results', `/flights?from=ICN&to=NRT&date=${tomorrow(5)}&passengers=1&cabin=economy&sort=price`, (p) => p.getByTestId('itineraries').first().waitFor()],
  ['manage', '/manage', (p) => p.getByRole('heading', { name: 'Manage your booking' }).waitFor()],
  ['not-found', '/no-such-page', (p) => p.getByRole('heading', { name: 'This page does not exist.' }).waitFor()],
];

for (const [name, path, ready] of publicPages) {
  test(`${name}: accessible, at phone and desktop width`, async () => {
    for (const [vp, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ]) {
      const page = await newPage(browser, { viewport });
      await visit(page, path, ready);
      await shot(page, `${name}-${vp}`);
      await checkA11y(page, `${name} (${vp})`);
      await page.context().close();
    }
  });
}

test('product page', async () => {
  const page = await newPage(browser);
  await visit(page, '/search', (p) => p.getByTestId('product-grid').waitFor());
  await page.getByTestId('product-grid').getByRole('link').first().click();
  await page.getByRole('button', { name: 'Add to cart' }).or(page.getByText('Out of stock')).first().waitFor();
  const url = page.url();
  await shot(page, 'product-desktop');
  await checkA11y(page, 'product');
  const phone = await newPage(browser, { viewport: PHONE });
  await phone.goto(url);
  await phone.locator('main h1').waitFor();
  await shot(phone, 'product-phone');
  await phone.context().close();
  await page.context().close();
});

test('signed-in pages: cart, checkout, orders, trips, account (and Korean)', async () => {
  for (const [vp, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ]) {
    const page = await newPage(browser, { viewport });
    if (vp === 'desktop') await signUpInUi(page, { name: 'Page Tester', email: uniqueEmail('pages') });
    else {
      // At phone width the header collapses into a menu; sign up through the form alone.
      await page.goto('/signup');
      await page.getByLabel('Full name').fill('Page Phone');
      await page.getByLabel('Email').fill(uniqueEmail('phone'));
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/signup'));
    }
    await go(page, '/search');
    await page.getByTestId('product-grid').getByRole('link').first().click();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to cart').waitFor();
    for (const [name, path, sel] of [
      ['cart', '/cart', (p) => p.getByTestId('cart-line').first().waitFor()],
      ['checkout', '/checkout', (p) => p.getByTestId('pay').waitFor()],
      ['orders-empty', '/orders', (p) => p.getByText('You have no orders yet.').waitFor()],
      ['trips-empty', '/trips', (p) => p.getByText('You have no trips yet.').waitFor()],
      ['account', '/account', (p) => p.getByRole('heading', { name: 'Your profile' }).waitFor()],
    ]) {
      await visit(page, path, sel);
      await shot(page, `${name}-${vp}`);
      await checkA11y(page, `${name} (${vp})`);
    }
    if (vp === 'desktop') {
      // Korean, switchable; the choice is remembered (only the language is stored).
      await page.getByLabel('Language').selectOption('ko');
      await page.getByRole('heading', { name: '내 프로필' }).waitFor();
      await go(page, '/checkout');
      await page.getByRole('heading', { name: '결제' }).waitFor();
      await shot(page, 'checkout-ko-desktop');
      await checkA11y(page, 'checkout (ko)');
      const stored = await page.evaluate(() => ({ ...localStorage }));
      assert.deepEqual(Object.keys(stored), ['wayfare.lang'], 'nothing but the language in localStorage');
      const lang = await page.evaluate(() => document.documentElement.lang);
      assert.equal(lang, 'ko');
      await page.getByLabel('언어').selectOption('en');
    }
    await page.context().close();
  }
});

test('admin console pages', async () => {
  const page = await newPage(browser);
  await logInInUi(page, ADMIN.email, ADMIN.password);
  for (const [name, path] of [
    ['admin-dashboard', '/admin'],
    ['admin-products', '/admin/products'],
    ['admin-flights', '/admin/flights'],
    ['admin-orders', '/admin/orders'],
    ['admin-bookings', '/admin/bookings'],
    ['admin-users', '/admin/users'],
    ['admin-audit', '/admin/audit'],
  ]) {
    await go(page, path);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle');
    await page.locator('.skeleton').first().waitFor({ state: 'detached' }).catch(() => {});
    await shot(page, `${name}-desktop`);
    await checkA11y(page, name);
    if (name === 'admin-products') {
      // Set a product's stock (If-Match: the version the table showed); the audit log records it.
      page.once('dialog', (d) => d.accept('77'));
      await page.getByRole('button', { name: 'Set stock' }).first().click();
      await page.getByText('Saved.').waitFor();
      await page.getByRole('cell', { name: '77', exact: true }).first().waitFor();
    }
    if (name === 'admin-flights') {
      // A new schedule: every Monday, Wednesday and Friday for ten days.
      await page.getByLabel('Flight number').fill('WF 950');
      await page.getByLabel('Origin').last().fill('ICN');
      await page.getByLabel('Destination').last().fill('KIX');
      for (const day of ['Tue', 'Thu', 'Sat', 'Sun']) await page.getByLabel(day).uncheck();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByText(/flights created/).waitFor();
    }
    if (name === 'admin-audit') {
      await page.getByRole('cell', { name: 'product.stock' }).first().waitFor();
      await page.getByRole('cell', { name: 'schedule.create' }).first().waitFor();
    }
  }
  await page.setViewportSize(PHONE);
  await go(page, '/admin');
  await page.locator('main h1').waitFor();
  await page.waitForLoadState('networkidle');
  await shot(page, 'admin-dashboard-phone');
  await page.context().close();
});

test('the storefront paints fast and loads no admin code', async () => {
  const page = await newPage(browser);
  const scripts = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto('/');
  await page.getByTestId('product-grid').waitFor();
  const fcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const now = performance.getEntriesByName('first-contentful-paint')[0];
        if (now) return resolve(now.startTime);
        new PerformanceObserver((list) => {
          const e = list.getEntriesByName('first-contentful-paint')[0];
          if (e) resolve(e.startTime);
        }).observe({ type: 'paint', buffered: true });
        setTimeout(() => resolve(null), 5000);
      }),
  );
  console.log(`first-contentful-paint: ${fcp === null ? 'not reported by this Chromium run' : `${fcp.toFixed(0)} ms`}; scripts: ${scripts.join(', ')}`);
  if (fcp !== null) assert.ok(fcp < 3000, `FCP ${fcp} ms`);
  assert.ok(!scripts.some((s) => s.includes('Admin')), 'the admin chunk is not loaded by the storefront');
  await page.context().close();
});
