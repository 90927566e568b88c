// Starts the real `wxbot serve` (bin/wxbot.js as a child process) in a scratch directory, with its
// request log (--log-format json) going straight to a file, and reads that log back afterwards.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'wxbot.js');

// Variables that would change what the server does if the caller's shell happens to set them.
const INHERITED_OUT = /^(WECHAT_|WXBOT_|TULING_|OPENAI_|REDIS_URL$|PORT$|NO_COLOR$|FORCE_COLOR$)/;

// A soak that dies half-way must not leave a server running.
const live = new Set();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** The parent environment minus anything wxbot reads, plus `env`. */
export function cleanEnv(env) {
  const out = Object.fromEntries(Object.entries(process.env).filter(([k]) => !INHERITED_OUT.test(k)));
  return { ...out, ...env };
}

/**
 * `wxbot serve --host 127.0.0.1 --port 0 --log-format json ...args` in `cwd` (`nodeArgs` go to node). Resolves once the banner
 * names the port. The child's stdout (one JSON line per request) goes to `logPath`.
 */
export function startServe({ cwd, env, args = [], logPath, nodeArgs = [] }) {
  const out = openSync(logPath, 'w');
  const child = spawn(
    process.execPath,
    [...nodeArgs, BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', ...args],
    {
      cwd,
      env: cleanEnv(env),
      stdio: ['ignore', out, 'pipe'],
    },
  );
  closeSync(out);
  live.add(child);
  let stderr = '';
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`wxbot serve did not start within 15 s:\n${stderr}`)), 15_000);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', fail);
    void exited.then(({ code, signal }) =>
      fail(new Error(`wxbot serve exited (${code ?? signal}) during start-up:\n${stderr}`)),
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /URL\s+http:\/\/127\.0\.0\.1:(\d+)(\/\S*)/.exec(stderr);
      if (!m || resolve === undefined) return;
      clearTimeout(timer);
      const done = resolve;
      resolve = undefined;
      done({
        child,
        pid: child.pid,
        port: Number(m[1]),
        origin: `http://127.0.0.1:${m[1]}`,
        path: m[2],
        logPath,
        stderr: () => stderr,
        /** SIGTERM, as a process manager would; resolves with the exit and how long shutdown took. */
        async stop() {
          const t0 = Date.now();
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.kill('SIGTERM');
          const r = await exited;
          clearTimeout(kill);
          return { ...r, ms: Date.now() - t0 };
        },
      });
    });
  });
}

/** Reads the JSON request log: counts by status, 5xx, late answers, error records (by name). */
export async function scanLog(logPath) {
  const s = {
    lines: 0,
    unparsable: 0,
    requests: 0,
    byStatus: new Map(),
    serverErrors: 0,
    late: 0,
    dedupe: 0,
    errors: new Map(),
    errorSamples: [],
  };
  const rl = createInterface({ input: createReadStream(logPath, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    s.lines++;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      s.unparsable++;
      continue;
    }
    if (r.type === 'request') {
      s.requests++;
      s.byStatus.set(r.status, (s.byStatus.get(r.status) ?? 0) + 1);
      if (r.status >= 500) s.serverErrors++;
      if (r.late) s.late++;
      if (r.dedupe) s.dedupe++;
    } else if (r.type === 'error') {
      const name = r.error?.name ?? '?';
      s.errors.set(name, (s.errors.get(name) ?? 0) + 1);
      if (name !== 'ChatProvider' && s.errorSamples.length < 5) s.errorSamples.push(line.slice(0, 300));
    }
  }
  return s;
}
