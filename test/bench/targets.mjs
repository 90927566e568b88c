// The processes a bench run measures, started as children (each with the same CPU budget, pinned to
// the server core when pinning is on), and a way to let only one of them run at a time.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from './requests.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RETRY_MARK = '[retry: answered from first delivery]';
const DROP_MARK = 'lines dropped';

/** The targets started and not yet exited. */
const running = new Set();

/**
 * Starts `node <args>` in `cwd` and resolves { child, port, log } once `portOf(output)` finds the port
 * on stdout or stderr. With `logFile`, standard output (wxbot serve's request log) goes to that file
 * rather than to a pipe: a pipe read by this process, the load generator, costs the server a tail of
 * several ms per request (every batch of log lines wakes the generator), which a file or another
 * reading process does not (measured: p50 0.4 → 2–6 ms, p99 5 → 17–36 ms at 2000 req/s).
 * `log.retries()` counts the retry lines written so far (see countRetries).
 */
export function startTarget(pin, args, portOf, cwd, logFile, env = ENV) {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pin.wrap(process.execPath, args);
    const out = logFile ? openSync(logFile, 'w') : 'pipe';
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', out, 'pipe'] });
    if (logFile) closeSync(out);
    let buf = '';
    const onData = (c) => {
      buf += c;
      const port = portOf(buf);
      if (!port) return;
      child.stdout?.off('data', onData);
      child.stderr.off('data', onData);
      // Keep draining the pipes so they never block the server, and keep their last words: a target
      // that dies during a run would otherwise show only as the generator's ECONNREFUSED.
      let tail = '';
      const keep = (c) => {
        tail = (tail + c).slice(-4000);
      };
      child.stdout?.on('data', keep);
      child.stderr.on('data', keep);
      running.add(child);
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (child.killed) return; // stopped by the bench
        process.stderr.write(
          `bench: ${args.join(' ')} exited on its own during the run (code ${code}, signal ${signal}); its last output:\n${tail || '(none)'}\n`,
        );
        // The figures would be of fewer targets than asked: stop the others (no orphan left to
        // disturb the next run) and end here.
        for (const other of running) {
          other.kill('SIGCONT');
          other.kill('SIGTERM');
        }
        process.exit(1);
      });
      resolve({ child, port: Number(port), log: logCounter(logFile) });
    };
    child.stdout?.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${buf}`)));
  });
}

/**
 * Counts, in wxbot serve's pretty request log, the lines of retries answered from the first delivery
 * (the handler did not run for them), reading the file on from where the last call stopped.
 * `dropped` turns true if the server reported dropping log lines (the count would be short).
 */
function logCounter(file) {
  let offset = 0;
  let tail = '';
  const log = { total: 0, dropped: false };
  log.retries = () => {
    if (!file) return 0;
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const chunk = Buffer.alloc(1 << 20);
        const n = readSync(fd, chunk, 0, chunk.length, offset);
        if (n === 0) break;
        offset += n;
        // A mark cut in two by a read boundary is completed by the next read; the carried tail is
        // shorter than a mark, so no whole mark is counted twice.
        const text = tail + chunk.subarray(0, n).toString('latin1');
        for (let i = text.indexOf(RETRY_MARK); i >= 0; i = text.indexOf(RETRY_MARK, i + 1)) log.total++;
        if (text.includes(DROP_MARK)) log.dropped = true;
        tail = text.slice(-(RETRY_MARK.length - 1));
      }
    } finally {
      closeSync(fd);
    }
    return log.total;
  };
  return log;
}

/** The port a bench server (servers.mjs) prints, and the one in `wxbot serve`'s banner. */
export const portLine = (s) => /^(\d+)\n/.exec(s)?.[1];
export const servePort = (s) => /URL\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(s)?.[1];

/** bare / compute / handler / wechat (test/bench/servers.mjs) and `wxbot serve --no-history` (+ with history when asked). */
export async function startAll(pin, cwd, { history = false, computeUs = 10 } = {}) {
  const bin = join(ROOT, 'bin', 'wxbot.js');
  const servers = join(ROOT, 'test/bench/servers.mjs');
  const targets = {
    // `fixed`: answers the fixed XML whatever it is sent.
    bare: { ...(await startTarget(pin, [servers, 'bare'], portLine, cwd)), fixed: true },
    compute: {
      ...(await startTarget(pin, [servers, 'compute'], portLine, cwd, undefined, {
        ...ENV,
        BENCH_COMPUTE_US: String(computeUs),
      })),
      fixed: true,
    },
    handler: await startTarget(pin, [servers, 'handler'], portLine, cwd),
    wechat: await startTarget(pin, [servers, 'wechat'], portLine, cwd),
    // --no-history as in production (the history file is a development aid).
    serve: await startTarget(
      pin,
      // BENCH_UI=1: with the web UI on and no page open (it must cost nothing then).
      [
        bin,
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--no-history',
        ...(process.env.BENCH_UI === '1' ? ['--ui', '--ui-port', '0'] : []),
      ],
      servePort,
      cwd,
      join(cwd, 'serve.log'),
    ),
  };
  if (history) {
    targets.serveHistory = await startTarget(
      pin,
      [bin, 'serve', '--host', '127.0.0.1', '--port', '0'],
      servePort,
      cwd,
      join(cwd, 'serve-history.log'),
    );
  }
  return targets;
}

/**
 * Lets only `target` run: the others are paused (SIGSTOP), so their timers (store sweeps of keys
 * earlier runs left, history flushes) neither take CPU from the measured one nor show in its tail.
 */
export function runOnly(targets, target) {
  for (const t of Object.values(targets)) {
    try {
      process.kill(t.child.pid, t === target ? 'SIGCONT' : 'SIGSTOP');
    } catch {
      // not on this platform: everything keeps running
    }
  }
}

export function stopAll(targets) {
  for (const t of Object.values(targets)) {
    t.child.kill('SIGCONT');
    t.child.kill('SIGTERM');
  }
}
