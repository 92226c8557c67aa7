// Starts the real platform (`wayfare serve`) on port 0 with a fresh data directory and the
// built web app, and reads the URL from its "Wayfare is ready" line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'a long admin passphrase 2026';

export async function startPlatform({ bin = process.env.WAYFARE_BIN, env = {}, timeoutMs = 120_000 } = {}) {
  if (!bin || !existsSync(bin)) throw new Error(`set WAYFARE_BIN to the wayfare binary (got ${bin ?? 'nothing'})`);
  const dataDir = mkdtempSync(join(tmpdir(), 'wayfare-web-e2e-'));
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      WAYFARE_DATA_DIR: dataDir,
      WAYFARE_LISTEN: '127.0.0.1:0',
      WAYFARE_OPS_LISTEN: '127.0.0.1:0',
      WAYFARE_ADMIN_EMAIL: ADMIN_EMAIL,
      WAYFARE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      WAYFARE_RATE_LIMIT_ENABLED: 'false',
      WAYFARE_WEB_DIR: join(webRoot, 'dist'),
      WAYFARE_LOG: process.env.WAYFARE_LOG ?? 'warn',
      WAYFARE_DRAIN_DELAY_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform not ready after ${timeoutMs} ms:\n${log.slice(-4000)}`)), timeoutMs);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/Wayfare is ready: open (http:\/\/[^\s/]+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => {
      log += c.toString();
      if (log.length > 200_000) log = log.slice(-100_000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`platform exited with ${code}:\n${log.slice(-4000)}`));
    });
  });
  child.stdout.removeAllListeners('data');
  child.stdout.on('data', () => {});
  return {
    url,
    dataDir,
    logs: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 15_000);
          child.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
