import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { go, launch, newPage, shot, signUpInUi, uniqueEmail, PHONE, checkA11y } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Searches (results as you type), opens the first hit and adds it to the cart. */
async function addFirstResult(page, word) {
  await go(page, '/search');
  await page.getByLabel('Search products').first().fill(word);
  await page.waitForURL(new RegExp(`q=${word}`));
  await page.getByRole('heading', { level: 1, name: `Results for “${word}”` }).waitFor();
  await page.locator('[aria-busy="false"] [data-testid="product-grid"]').waitFor();
  const first = page.getByTestId('product-grid').getByRole('link').first();
  await first.waitFor();
  const name = (await first.innerText()).trim();
  await first.click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText('Added to cart').waitFor();
  return name;
}

async function findTwoProductWords(page) {
  // Words from the demo catalog: take two products in stock from the first page.
  const res = await page.request.get('/api/catalog/products?limit=50&sort=name');
  const { items } = await res.json();
  const inStock = items.filter((p) => p.stock > 5);
  assert.ok(inStock.length >= 2, 'the demo catalog has products in stock');
  const words = [];
  for (const p of inStock) {
    const w = p.name.split(/\s+/).find((x) => /^[A-Za-z]{4,}$/.test(x));
    if (w && !words.some((x) => x.toLowerCase() === w.toLowerCase())) words.push(w);
    if (words.length === 2) break;
  }
  return words;
}

test('a shopper signs up, searches, adds two products, checks out and sees the order', async () => {
  const page = await newPage(browser);
  await page.goto('/');
  await page.getByRole('heading', { name: 'Categories' }).waitFor();
  await page.getByTestId('product-grid').waitFor();
  await shot(page, 'home-desktop');

  await signUpInUi(page, { name: 'Ada Shopper', email: uniqueEmail() });
  const [w1, w2] = await findTwoProductWords(page);
  const n1 = await addFirstResult(page, w1);
  await shot(page, 'product-desktop');
  const n2 = await addFirstResult(page, w2);
  assert.notEqual(n1, n2);

  await page.getByRole('link', { name: /Cart, 2 items/ }).click();
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  assert.equal(await page.getByTestId('cart-line').count(), 2);
  await shot(page, 'cart-desktop');
  await page.getByRole('link', { name: 'Go to checkout' }).click();
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
  await shot(page, 'checkout-desktop');
  await page.getByTestId('pay').click();

  await page.getByText('Thank you! Your order is confirmed.').waitFor();
  await page.getByText('Confirmed', { exact: true }).first().waitFor();
  const body = await page.locator('main').innerText();
  assert.ok(body.includes(n1) && body.includes(n2), 'the order lists both products');
  await shot(page, 'order-desktop');
  const orderUrl = new URL(page.url()).pathname;

  await page.getByRole('link', { name: 'Orders', exact: true }).click();
  await page.getByTestId('orders').waitFor();
  assert.equal(await page.getByTestId('orders').getByRole('listitem').count(), 1);
  await shot(page, 'orders-desktop');

  // Cancel: the refund is stated before confirming, and the order shows it.
  await go(page, orderUrl);
  await page.getByRole('button', { name: 'Cancel order' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(/will be refunded to your card/).waitFor();
  await dialog.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByText('The order is cancelled and refunded.').waitFor();
  await page.getByText('Cancelled', { exact: true }).first().waitFor();
  await page.context().close();
});

test('a declined card shows a clear message and keeps the cart', async () => {
  const page = await newPage(browser);
  await signUpInUi(page, { name: 'Dee Clined', email: uniqueEmail('declined') });
  const [w1] = await findTwoProductWords(page);
  await addFirstResult(page, w1);
  await go(page, '/checkout');
  await page.getByLabel('Card that is declined').check();
  await page.getByTestId('pay').click();
  const alert = page.getByRole('alert');
  await alert.getByText('Your card was declined. No money was taken. Try another card.').waitFor();
  await page.getByText('Your cart is kept').waitFor();
  await shot(page, 'checkout-declined-desktop');
  await go(page, '/cart');
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await page.getByTestId('cart-line').first().waitFor();
  assert.equal(await page.getByTestId('cart-line').count(), 1, 'the cart still holds the product');
  // And the next card works (a new Idempotency-Key: the decline settled the first intent).
  await go(page, '/checkout');
  await page.getByTestId('pay').click();
  await page.getByText('Thank you! Your order is confirmed.').waitFor();
  await page.context().close();
});

test('the checkout works with the keyboard alone', async () => {
  const page = await newPage(browser);
  await signUpInUi(page, { name: 'Kay Board', email: uniqueEmail('keyboard') });
  const [w1] = await findTwoProductWords(page);
  await addFirstResult(page, w1);
  await go(page, '/checkout');
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();

  // Tab from the top of the page to the payment methods, choose one with the arrows, then
  // tab to the pay button and press Enter: no mouse.
  await page.keyboard.press('Tab'); // skip link
  const focusedLabel = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName}:${el.getAttribute('name') ?? ''}:${el.getAttribute('value') ?? ''}:${el.textContent?.trim().slice(0, 40) ?? ''}` : '';
    });
  let found = false;
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedLabel()).startsWith('INPUT:payment_method')) {
      found = true;
      break;
    }
  }
  assert.ok(found, 'the payment methods are reachable with Tab');
  await page.keyboard.press('ArrowDown'); // declined card
  await page.keyboard.press('ArrowUp'); // back to the card that works
  assert.ok((await focusedLabel()).includes('pm_card_ok'));
  let onPay = false;
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) === 'pay') {
      onPay = true;
      break;
    }
  }
  assert.ok(onPay, 'the pay button is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.getByText('Thank you! Your order is confirmed.').waitFor();
  await page.context().close();
});

test('the shop at phone width', async () => {
  const page = await newPage(browser, { viewport: PHONE });
  await page.goto('/');
  await page.getByTestId('product-grid').waitFor();
  await shot(page, 'home-phone');
  await checkA11y(page, 'home (phone)');
  await page.getByRole('button', { name: 'Main navigation' }).click();
  await page.getByRole('link', { name: 'Flights' }).waitFor();
  await shot(page, 'menu-phone');
  await page.goto('/search?q=' + encodeURIComponent('bag'));
  await page.waitForLoadState('networkidle');
  await shot(page, 'search-phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scroll at 375px (overflow ${overflow}px)`);
  await page.context().close();
});

test('the session survives a reload through the HttpOnly refresh cookie, and log out ends it', async (t) => {
  const page = await newPage(browser);
  await signUpInUi(page, { name: 'Re Load', email: uniqueEmail('reload') });
  const cookies = await page.context().cookies();
  const refresh = cookies.find((c) => c.name === 'wayfare_refresh');
  if (!refresh) {
    t.skip('auth does not set the refresh cookie yet (cookie session mode not in this build)');
    await page.context().close();
    return;
  }
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.sameSite, 'Strict');
  assert.equal(refresh.secure, true);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  assert.ok(!/eyJ|refresh|token/i.test(stored), `no token in web storage: ${stored}`);
  await page.reload();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  await page.reload();
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
  await page.context().close();
});
