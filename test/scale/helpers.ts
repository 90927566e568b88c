// Starts real `wxbot serve` processes (bin/wxbot.js → dist/) for the multi-replica tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/wxbot.js', import.meta.url).pathname;
export const COUNTING_BOT = new URL('./fixtures/counting-bot.mjs', import.meta.url).pathname;

export interface Replica {
  /** The webhook URL, e.g. http://127.0.0.1:40123/wechat */
  url: string;
  /** Its working directory (its .wxbot/history.ndjson is there). */
  cwd: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `wxbot serve <entry>` on a free port in a scratch directory; resolves once it listens. */
export async function startReplica(args: string[], env: Record<string, string>): Promise<Replica> {
  const cwd = mkdtempSync(join(tmpdir(), 'wxbot-replica-'));
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('WECHAT_') && k !== 'REDIS_URL'),
  );
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--host', '127.0.0.1', '--port', '0'], {
    cwd,
    env: { ...base, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start in 15 s:\n${err}`)), 15_000);
      const check = () => {
        const m = /URL\s+(http:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stderr!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}:\n${err}`));
      });
    });
    return { url, cwd, child, stdout: () => out, stderr: () => err, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export { until } from '../helpers/until.js';
