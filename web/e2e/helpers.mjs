// Shared e2e helpers: Debian's Chromium driven by playwright-core, screenshots, axe scans and a
// small API client for setting up data.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';

export const BASE = process.env.WAYFARE_URL ?? 'http://127.0.0.1:8080';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SHOTS = join(root, 'test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newPage(browser, { viewport = DESKTOP, locale = 'en-US' } = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport, locale, timezoneId: 'Asia/Seoul' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe-core scan: fails on serious or critical violations. */
export async function checkA11y(page, name) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n');
  assert.equal(bad.length, 0, `${name}: axe found serious/critical violations:\n${text}`);
}

export function uniqueEmail(prefix = 'shopper') {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';
export const ADMIN = { email: 'admin@example.com', password: 'a long admin passphrase 2026' };

/** Minimal API client for test setup (not used to drive the scenarios themselves). */
export async function api(path, { method = 'GET', token, body, headers = {} } = {}) {
  const res = await fetch(new URL(path, BASE), {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

export async function apiLogin(email, password) {
  const r = await api('/api/auth/login', { method: 'POST', body: { email, password } });
  assert.equal(r.status, 200, `login ${email}: ${JSON.stringify(r.body)}`);
  return r.body.access_token;
}

export async function signUpInUi(page, { name, email, password = PASSWORD }) {
  await page.goto('/signup');
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

export async function logInInUi(page, email, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).last().click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

export function tomorrow(days = 1) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 10);
}

/**
 * Navigates inside the single-page app (like following a link), keeping the in-memory session.
 * A full page load would restore the session from the refresh cookie instead.
 */
export async function go(page, path) {
  if (!page.url().startsWith('http')) {
    await page.goto(path);
    return;
  }
  await page.evaluate((p) => {
    window.history.pushState({}, '', p);
    window.dispatchEvent(new PopStateEvent('popstate', { state: {} }));
  }, path);
}
