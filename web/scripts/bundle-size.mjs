#!/usr/bin/env node
// Reports the gzipped size of the JavaScript the storefront loads first (the entry chunk(s)
// index.html references, with their static imports) and of each lazily loaded chunk, and
// fails when the first load is over the budget. Run after `npm run build`.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.WEB_DIST ?? join(root, 'dist');
const BUDGET = Number(process.env.FIRST_LOAD_BUDGET_KB ?? 200) * 1024;

if (!existsSync(join(dist, 'index.html'))) {
  console.error(`no build at ${dist}: run npm run build first`);
  process.exit(2);
}
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// Entry scripts and modulepreloads named by index.html.
const entries = new Set();
for (const m of html.matchAll(/<script[^>]+type="module"[^>]+src="\/?([^"]+)"/g)) entries.add(m[1]);
for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/?([^"]+)"/g)) entries.add(m[1]);

// Follow static imports (`import … from "./x.js"` / `import "./x.js"`), not dynamic import().
const first = new Set();
const visit = (file) => {
  if (first.has(file) || !file.endsWith('.js')) return;
  first.add(file);
  const src = readFileSync(join(dist, file), 'utf8');
  for (const m of src.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) visit(join(dirname(file), m[1]));
};
for (const e of entries) visit(e);

const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
const lazy = all.filter((f) => !first.has(f));

let total = 0;
console.log('first load (index.html):');
for (const f of first) {
  const n = gz(f);
  total += n;
  console.log(`  ${f.padEnd(48)} ${kb(n).padStart(10)} gzip`);
}
console.log(`  ${'total'.padEnd(48)} ${kb(total).padStart(10)} gzip (budget ${kb(BUDGET)})`);
console.log('lazy chunks:');
for (const f of lazy) console.log(`  ${f.padEnd(48)} ${kb(gz(f)).padStart(10)} gzip`);
const css = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.css'));
for (const f of css) console.log(`css ${`assets/${f}`.padEnd(44)} ${kb(gz(`assets/${f}`)).padStart(10)} gzip`);

if (total > BUDGET) {
  console.error(`FAIL: first-load JavaScript is ${kb(total)} gzipped, over the ${kb(BUDGET)} budget`);
  process.exit(1);
}
console.log('OK: first load within budget');
