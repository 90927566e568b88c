/** Runs the real `wxbot` binary as a child process, isolated from the developer's env and .env. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild, type Run } from '../helpers/run-child.js';

export const BIN = fileURLToPath(new URL('../../bin/wxbot.js', import.meta.url));

export type { Run } from '../helpers/run-child.js';

/** An empty working directory (no .env), optionally with a .env file. */
export function tempCwd(dotenv?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-sim-'));
  if (dotenv !== undefined) writeFileSync(join(dir, '.env'), dotenv);
  return dir;
}

const EMPTY = tempCwd();

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(WECHAT_|WXBOT_|PORT$|REDIS_URL$|TULING_|OPENAI_)/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs the real binary (asynchronous: the servers under test live in this process). */
export function wxbot(
  args: string[],
  o: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  return runChild(process.execPath, [BIN, ...args], { cwd: o.cwd ?? EMPTY, env: cleanEnv(o.env), input: o.input });
}

export interface ServeChild {
  url: string;
  /** Everything serve wrote to stdout so far (its request log). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `wxbot serve --port 0` as a child and resolves with the URL it prints. */
export function startServe(
  args: string[],
  o: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ServeChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
      cwd: o.cwd ?? tempCwd(),
      env: cleanEnv(o.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${err}`));
    }, 20_000);
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /URL\s+(http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          log: () => out,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}:\n${err}`));
    });
  });
}

/** Runs async jobs with at most `limit` in flight (child processes are the cost here). */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
