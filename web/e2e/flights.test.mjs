import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { go, launch, newPage, shot, signUpInUi, logInInUi, uniqueEmail, checkA11y, PASSWORD, ADMIN, PHONE, DESKTOP, apiLogin, api, tomorrow } from './helpers.mjs';

let browser;
const traveller = { name: 'Min Kim', email: uniqueEmail('traveller') };
let pnr = null;
let tripUrl = null;
let bookingFlightId = null;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function pickAirport(page, label, text, code) {
  const input = page.getByRole('combobox', { name: label });
  await input.fill(text);
  await page.getByRole('option', { name: new RegExp(`^${code}\\b`) }).click();
}

test('a traveller searches ICN → NRT, picks seats on the map, books, pays and sees the e-tickets', async () => {
  const page = await newPage(browser);
  await signUpInUi(page, traveller);
  await page.getByRole('link', { name: 'Flights', exact: true }).click();
  await page.getByRole('heading', { name: 'Find a flight' }).waitFor();
  await pickAirport(page, 'From', 'Seoul', 'ICN');
  await pickAirport(page, 'To', 'Narita', 'NRT');
  await page.getByLabel('Departure').fill(tomorrow(2));
  await page.getByLabel('Passengers').selectOption('1');
  await page.getByLabel('Cabin').selectOption('economy');
  await page.getByRole('button', { name: 'Search flights' }).click();

  const list = page.getByTestId('itineraries').first();
  await list.waitFor();
  await page.getByRole('heading', { name: /Prices in/ }).waitFor();
  await shot(page, 'flight-results-desktop');
  await checkA11y(page, 'flight results');
  // A direct flight, standard fare (fare families side by side).
  const direct = list.locator('li', { hasText: 'Direct' }).first();
  await direct.locator('button[data-fare="standard"]').click();
  await page.getByTestId('continue-booking').click();

  await page.getByRole('heading', { name: 'Your booking' }).waitFor();
  await page.getByLabel('Given name').fill('Min');
  await page.getByLabel('Family name').fill('Kim');
  await page.getByLabel('Date of birth').fill('1990-04-01');
  // The seat map comes from the seat-map API; choose a free window seat.
  const seat = page.locator('.seatmap button.seat:not([disabled])').first();
  await seat.waitFor();
  const designator = await seat.getAttribute('data-seat');
  await seat.click();
  assert.equal(await seat.getAttribute('aria-pressed'), 'true');
  await page.getByText(`Seat ${designator}`).first().waitFor();
  await shot(page, 'seat-map-desktop');
  await page.setViewportSize(PHONE);
  await shot(page, 'seat-map-phone');
  await page.setViewportSize(DESKTOP);
  await checkA11y(page, 'booking (seat map)');
  await page.getByTestId('hold').click();

  const countdown = page.getByTestId('countdown');
  await countdown.waitFor();
  assert.match(await countdown.innerText(), /Pay within \d+:\d\d/);
  await shot(page, 'booking-payment-desktop');
  await page.getByTestId('pay-booking').click();

  await page.getByText('You are booked!').waitFor();
  pnr = (await page.getByTestId('pnr').innerText()).trim();
  assert.match(pnr, /^[A-Z2-9]{6}$/);
  const tickets = page.getByTestId('ticket');
  await tickets.first().waitFor();
  assert.match(await tickets.first().innerText(), /Ticket \d{13}/);
  assert.ok((await page.locator('main').innerText()).includes(designator), 'the trip shows the chosen seat');
  tripUrl = new URL(page.url()).pathname;
  await shot(page, 'trip-desktop');
  await page.setViewportSize(PHONE);
  await shot(page, 'trip-phone');
  await page.setViewportSize(DESKTOP);
  await checkA11y(page, 'trip');

  // Find the flight for the admin test.
  const token = await apiLogin(traveller.email, PASSWORD);
  const b = await api(`/api/bookings/${tripUrl.split('/').pop()}`, { token });
  bookingFlightId = b.body.segments[0].flight_id;

  // Logged out: manage booking by PNR and family name.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  await page.goto('/manage');
  await page.getByLabel('Booking reference').fill(pnr);
  await page.getByLabel('Family name').fill('Kim');
  await page.getByRole('button', { name: 'Find booking' }).click();
  const found = page.getByTestId('lookup-result');
  await found.waitFor();
  const text = await found.innerText();
  assert.ok(text.includes(pnr) && text.includes('M. Kim') && text.includes(designator), text);
  await shot(page, 'manage-booking-desktop');
  await checkA11y(page, 'manage booking');

  // A wrong family name finds nothing, said in words.
  await page.getByLabel('Family name').fill('Lee');
  await page.getByRole('button', { name: 'Find booking' }).click();
  await page.getByText('We could not find that booking').waitFor();
  await page.context().close();
});

test('an admin cancels that flight and the traveller’s trip shows the cancellation and refund', async (t) => {
  assert.ok(bookingFlightId && tripUrl, 'the booking test ran first');
  const probe = await api('/api/admin/flights?limit=1', { token: await apiLogin(ADMIN.email, ADMIN.password) });
  if (probe.status === 404) {
    t.skip('GET /api/admin/flights answers 404 in this build (admin flight endpoints not there yet)');
    return;
  }
  const page = await newPage(browser);
  await logInInUi(page, ADMIN.email, ADMIN.password);
  await page.locator('a[href="/admin"]').first().click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.locator('.kpis').waitFor();
  await shot(page, 'admin-dashboard-desktop');
  await checkA11y(page, 'admin dashboard');

  await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Flights' }).click();
  await page.getByLabel('Origin').first().fill('ICN');
  await page.getByLabel('Destination').first().fill('NRT');
  // Admin date filters are UTC days: a morning flight in Seoul leaves the UTC day before.
  await page.getByLabel('From', { exact: true }).fill(tomorrow(1));
  await page.getByLabel('To', { exact: true }).fill(tomorrow(3));
  await page.getByRole('button', { name: 'Apply' }).click();
  const cancelButton = page.locator(`button[data-flight="${bookingFlightId}"]`);
  await cancelButton.waitFor();
  await shot(page, 'admin-flights-desktop');
  await cancelButton.click();
  await page.getByLabel('Reason').fill('Typhoon at destination');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel flight' }).click();
  await page.getByText(/is cancelled; .* bookings refunded/).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();

  await logInInUi(page, traveller.email);
  // Booking follows flight cancellations; the trip shows it once it has.
  let shown = false;
  for (let i = 0; i < 30 && !shown; i++) {
    await go(page, tripUrl);
    await page.getByTestId('pnr').waitFor();
    shown = await page.getByText('This booking is cancelled.').isVisible();
    if (!shown) await page.waitForTimeout(1000);
  }
  assert.ok(shown, 'the trip shows the cancellation');
  const text = await page.locator('main').innerText();
  // The reason the admin gave (flight keeps it; booking says the airline cancelled).
  assert.match(text, /Typhoon at destination|cancelled by the airline/);
  assert.match(text, /Refunded: /);
  await shot(page, 'trip-cancelled-desktop');
  await page.context().close();
});

test('flight search at phone width', async () => {
  const page = await newPage(browser, { viewport: PHONE });
  await page.goto(`/flights?from=ICN&to=NRT&date=${tomorrow(3)}&passengers=2&cabin=economy&sort=price`);
  await page.getByTestId('itineraries').first().waitFor();
  await shot(page, 'flight-results-phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scroll at 375px (overflow ${overflow}px)`);
  await page.context().close();
});

test('a traveller changes seats, then cancels and sees the refund before confirming', async () => {
  const email = uniqueEmail('flex');
  const page = await newPage(browser);
  await signUpInUi(page, { name: 'Flex Lee', email });
  // Set up a confirmed flex booking through the API.
  const token = await apiLogin(email, PASSWORD);
  const search = await api(`/api/flights/search?from=ICN&to=NRT&date=${tomorrow(4)}&passengers=1&cabin=economy`, { token });
  const it = search.body.items.find((i) => i.stops === 0);
  const flex = it.fares.find((f) => f.fare_family === 'flex');
  const created = await api('/api/bookings', {
    method: 'POST',
    token,
    headers: { 'idempotency-key': `e2e-${Date.now()}` },
    body: {
      segments: [it.segments[0].flight_id],
      cabin: 'economy',
      fare_family: 'flex',
      passengers: [{ type: 'adult', given_name: 'Flex', family_name: 'Lee', birth_date: '1988-02-03' }],
      seats: [],
      contact_email: email,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const paid = await api(`/api/bookings/${created.body.id}/confirm`, {
    method: 'POST',
    token,
    headers: { 'idempotency-key': `e2e-pay-${Date.now()}` },
    body: { payment_method: 'pm_card_ok' },
  });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const before = paid.body.passengers[0].seats[0].seat;

  await go(page, `/trips/${created.body.id}`);
  await page.getByTestId('pnr').waitFor();
  await page.getByRole('button', { name: 'Change seats' }).click();
  // A seat without a surcharge (a charged seat change then cancel is a separate case).
  const free = page.locator('.seatmap button.seat:not([disabled]):not(.extra):not([aria-pressed="true"])').first();
  await free.waitFor();
  const seat = await free.getAttribute('data-seat');
  // Choosing another seat moves the passenger off the old one.
  await page.locator(`.seatmap button[data-seat="${before}"]`).click();
  await free.click();
  await page.getByRole('button', { name: 'Save seat changes' }).click();
  await page.getByText('Your seats are changed.').waitFor();
  // The trip re-renders with the new seat just after the message: wait for it, not one read.
  await page
    .locator('main')
    .getByText(`· ${seat}`, { exact: false })
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => assert.fail(`the trip shows seat ${seat}`));

  await page.getByRole('button', { name: 'Cancel booking' }).click();
  const preview = page.getByTestId('refund-preview');
  await preview.waitFor();
  const expected = (await preview.innerText()).match(/\$[\d,.]+/)?.[0];
  assert.ok(expected, await preview.innerText());
  await shot(page, 'trip-cancel-dialog-desktop');
  await page.getByRole('button', { name: 'Yes, cancel the booking' }).click();
  await page.getByText('This booking is cancelled.').waitFor().catch(async (e) => {
    await shot(page, 'debug-cancel');
    throw e;
  });
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(`Refunded: ${expected}`), `refund shown before (${expected}) is what was refunded:\n${text}`);
  await page.context().close();
});
