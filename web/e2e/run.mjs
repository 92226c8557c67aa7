#!/usr/bin/env node
// `npm run test:e2e`: builds the web app if needed, starts the real platform (WAYFARE_BIN) on
// port 0 with a fresh data directory, runs every e2e/*.test.mjs against it with node's test
// runner (one file at a time: they share the platform), then stops it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform } from './platform.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

if (!existsSync(join(root, 'dist/index.html')) || process.env.E2E_BUILD === '1') {
  const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

let platform = null;
let url = process.env.WAYFARE_URL;
if (!url) {
  platform = await startPlatform();
  url = platform.url;
  console.log(`platform at ${url} (data ${platform.dataDir})`);
}
mkdirSync(join(root, 'test-results/screenshots'), { recursive: true });

const only = process.argv.slice(2);
const files = (only.length ? only : readdirSync(join(root, 'e2e')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('e2e', f)));
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: { ...process.env, WAYFARE_URL: url },
  });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (c) => resolve(c ?? 1));
});
if (platform) {
  if (code !== 0) writeFileSync(join(root, 'test-results/platform.log'), platform.logs());
  await platform.stop();
}
process.exit(code);
