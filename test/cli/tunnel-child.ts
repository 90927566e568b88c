/** Runs `bin/wxbot.js` as a child process and lets a test wait for what it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/wxbot.js', import.meta.url));

/** The parent's environment minus every setting wxbot reads, so only what a test passes counts. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(WECHAT_|WXBOT_|NGROK_|OPENAI_|TULING_|REDIS_URL$|PORT$)/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Child {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in the stream (default stderr); rejects if the child exits first or after `ms`. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function runWxbot(args: string[], o: { cwd: string; env?: Record<string, string> }): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: o.cwd,
    env: cleanEnv(o.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const buf = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf.stdout += d;
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    buf.stderr += d;
    for (const l of listeners) l();
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      // Before the listeners run: a waitFor still waiting must see the exit and reject now.
      done = true;
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  return {
    child,
    stdout: () => buf.stdout,
    stderr: () => buf.stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
    waitFor(re, stream = 'stderr', ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `timed out waiting for ${re} in ${stream}:\n${buf[stream]}\n--- other stream:\n${buf[stream === 'stdout' ? 'stderr' : 'stdout']}`,
            ),
          );
        }, ms);
        const check = () => {
          const m = buf[stream].match(re);
          if (m) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(m);
          } else if (done) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`exited before ${re} appeared in ${stream}:\n${buf.stdout}\n--- stderr:\n${buf.stderr}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}
