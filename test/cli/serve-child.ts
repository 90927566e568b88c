// Runs `bin/wxbot.js serve` as a child process and waits for its banner (the real CLI, over real HTTP).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'wxbot.js');

export interface ServeChild {
  child: ChildProcess;
  url: string;
  origin: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wxbot-serve-'));
}

/** A clean environment: no WECHAT_* or provider keys from the developer's shell leak into the test. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(WECHAT_|WXBOT_|TULING_|OPENAI_|REDIS_URL|PORT$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export function runServe(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ServeChild> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: opts.cwd ?? tempDir(),
    env: cleanEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in time:\n${err}`));
    }, 15_000);
    const check = () => {
      const m = /URL\s+(http:\/\/\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      const url = m[1]!;
      resolve({
        child,
        url,
        origin: new URL(url).origin,
        stdout: () => out,
        stderr: () => err,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited with ${code} before starting:\n${err}`), { code, stderr: err }));
    });
  });
}

/** Runs `wxbot serve ...` expecting it to fail; resolves with its exit code and stderr. */
export function runServeFailing(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stderr: string }> {
  return runServe(args, opts).then(
    async (s) => {
      await s.stop('SIGKILL');
      throw new Error('expected serve to fail, it started');
    },
    (e: { code?: number | null; stderr?: string }) => ({ code: e.code ?? null, stderr: e.stderr ?? '' }),
  );
}
