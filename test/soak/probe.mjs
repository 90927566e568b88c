// Resource samples of the server process from Linux /proc, once a second: resident memory
// (VmRSS in /proc/<pid>/status) and open file descriptors (entries of /proc/<pid>/fd).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function readRssKb(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function countFds(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function sample(pid) {
  try {
    return { at: Date.now(), rssKb: readRssKb(pid), fds: countFds(pid) };
  } catch {
    return undefined; // the process is gone
  }
}

/**
 * Samples `pid` every `intervalMs`; `mark(name)` remembers where a phase began in the series.
 * `openConnections()` (set later, by the load) is recorded with each sample: the server holds one
 * FD per connection, so FDs are judged net of the connections the client has open at that moment.
 */
export function startSampler(pid, intervalMs = 1000) {
  const samples = [];
  const marks = {};
  const sampler = { samples, marks, openConnections: () => 0 };
  const take = () => {
    const s = sample(pid);
    if (s) samples.push({ ...s, conns: sampler.openConnections() });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return Object.assign(sampler, {
    mark(name) {
      marks[name] = samples.length;
    },
    stop() {
      clearInterval(timer);
      take();
    },
  });
}

export function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than 2 points. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

let clkTck;
/** CPU time (user + system) the process has used, in ms. */
export function cpuMs(pid) {
  clkTck ??= (() => {
    try {
      return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / clkTck;
  } catch {
    return NaN;
  }
}

/**
 * Asks the server for a full collection (gc-probe.cjs, SIGUSR2), then reads VmRSS: memory the
 * server keeps, rather than how far V8 let garbage pile up. undefined if the probe did not answer
 * within `waitMs`.
 */
export async function collected(pid, gcFile, waitMs = 5000) {
  rmSync(gcFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < waitMs; waited += 50) {
    await sleep(50);
    if (!existsSync(gcFile)) continue;
    const m = JSON.parse(readFileSync(gcFile, 'utf8'));
    return { rssKb: readRssKb(pid), heapUsedKb: m.heapUsed / 1024 };
  }
  return undefined;
}
