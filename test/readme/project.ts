// A scratch project where documented command lines run as written: `wxbot` and `npx wxbot` resolve to this
// checkout through node_modules (as after `npm install wxbot`), so nothing is fetched from a registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ROOT, cleanEnv } from '../cli/serve-child.js';
import { runChild, type Run } from '../helpers/run-child.js';

export function linkWxbot(dir: string): void {
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'wxbot'), 'dir');
  symlinkSync(join('..', 'wxbot', 'bin', 'wxbot.js'), join(dir, 'node_modules', '.bin', 'wxbot'));
}

export function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-readme-'));
  linkWxbot(dir);
  return dir;
}

function shellEnv(dir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  env.PATH = [join(dir, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);
  // npx must not ask before running, nor look anything up in a registry.
  env.npm_config_yes = 'true';
  env.npm_config_offline = 'true';
  env.npm_config_update_notifier = 'false';
  return env;
}

/** Runs one documented line with bash in `dir`, as a user would type it. */
export function sh(line: string, dir: string, env: Record<string, string> = {}, input?: string): Promise<Run> {
  return runChild('bash', ['-c', line], { cwd: dir, env: shellEnv(dir, env), input, timeoutMs: 30_000 });
}

export interface Background {
  child: ChildProcess;
  output(): string;
  /** Resolves once `text` has appeared on stdout or stderr (rejects if the process exits first). */
  waitFor(text: string | RegExp, ms?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/** Starts a long-running documented line (`npx wxbot serve`, `npm run dev`) in its own process group. */
export function background(line: string, dir: string, env: Record<string, string> = {}): Background {
  const child = spawn('bash', ['-c', `exec ${line}`], {
    cwd: dir,
    env: shellEnv(dir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(text, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const hit = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
        const timer = setInterval(() => {
          if (hit()) {
            clearInterval(timer);
            resolve();
          }
        }, 25);
        setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`no ${String(text)} within ${ms} ms from \`${line}\`:\n${out}`));
        }, ms).unref();
        void exited.then((code) => {
          if (hit()) return;
          clearInterval(timer);
          reject(new Error(`\`${line}\` exited ${code} before ${String(text)}:\n${out}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      // npx and npm run put npm between us and wxbot: signal the whole group, as Ctrl-C does.
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 12_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
