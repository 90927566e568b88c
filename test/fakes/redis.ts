/**
 * A REAL redis-server for tests (no mock client). CI (`.ci/run`) starts one and exports
 * WXBOT_TEST_REDIS_URL; locally, when that is unset, one is spawned on a free loopback port and
 * stopped afterwards. The tests that use it take `requireRedis()` as their options: without
 * redis-server they are skipped with the install command outside CI, and fail with CI=true.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram, type SkipOption } from '../helpers/system.js';

/** node:test options for tests that start or share a redis-server (see test/helpers/system.ts). */
export function requireRedis(): SkipOption {
  return requireProgram('redis-server', { install: 'apt-get install redis-server' });
}

export interface TestRedis {
  /** redis://127.0.0.1:<port>/<db> */
  url: string;
  /** A unique key namespace for this test (use it as the AppID / key prefix). */
  prefix: string;
  stop(): Promise<void>;
}

/**
 * `db` picks a Redis database (0–15) so parallel test files do not see each other's keys;
 * the random `prefix` (an AppID-shaped `wx` + 16 hex, so `--app-id` takes it) separates tests inside one file.
 */
export async function startTestRedis(db = 0): Promise<TestRedis> {
  const prefix = `wx${randomBytes(8).toString('hex')}`;
  const shared = process.env.WXBOT_TEST_REDIS_URL;
  if (shared) {
    const u = new URL(shared);
    u.pathname = `/${db}`;
    await waitForPort(Number(u.port || 6379), u.hostname, 3_000).catch((err: Error) => {
      throw new Error(`WXBOT_TEST_REDIS_URL=${shared} is not reachable: ${err.message}`);
    });
    return { url: u.toString(), prefix, stop: async () => {} };
  }
  return startPrivateRedis(db, prefix);
}

/** A redis-server of the test's own, which it may also freeze: it then keeps its connections but answers nothing. */
export interface PrivateRedis extends TestRedis {
  /** SIGSTOP: a hung server, or a network that drops packets without closing connections. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
}

/** Always spawns a fresh redis-server of its own (for tests that stop or break the server). */
export async function startPrivateRedis(
  db = 0,
  prefix = `wx${randomBytes(8).toString('hex')}`,
  onPort?: number,
): Promise<PrivateRedis> {
  // `onPort`: a server back on the port an earlier one left (to test reconnecting).
  const port = onPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-redis-'));
  let child: ChildProcess;
  try {
    child = await spawnRedis(port, dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `Redis tests need a real redis-server: set WXBOT_TEST_REDIS_URL, or install redis-server ` +
        `(apt-get install -y redis-server), or run .ci/run. (${(err as Error).message})`,
    );
  }
  return {
    url: `redis://127.0.0.1:${port}/${db}`,
    prefix,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGCONT'); // a paused server would not act on SIGTERM
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function spawnRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  failed.catch(() => {});
  try {
    await Promise.race([waitForPort(port, '127.0.0.1', 5_000), failed]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return child;
}

/**
 * A port free now, for a program that listens on it a moment later (redis-server, nginx, `wxbot serve`
 * with WXBOT_PORT). Chosen at random below the kernel's ephemeral range (32768–60999 on Linux): the
 * servers other tests start on port 0, and every outgoing connection, take their ports from that
 * range, and once took one chosen there before its program listened ("already in use" in CI).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function waitForPort(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, host);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
