// The load generator: N workers, each one request at a time on its own keep-alive connection
// (an undici Client each, so all N connections stay in use even when paced). Unlike a fire-and-count benchmark it looks at EVERY response: the request
// object carries its own check, and every failure is counted under its kind with a sample kept.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';

const SAMPLES_PER_KIND = 3;

/** Counts per kind, statuses, latencies and the first few problems of each kind. */
export class Stats {
  kinds = new Map();
  latencies = { valid: [], retry: [], hostile: [] };
  samples = [];

  kind(name, category) {
    let k = this.kinds.get(name);
    if (!k) {
      k = { name, category, n: 0, ok: 0, errors: 0, statuses: new Map(), maxMs: 0, samples: 0 };
      this.kinds.set(name, k);
    }
    return k;
  }

  /** Answers per second of the run (index 0 = the first second after `start()`). */
  perSecond = [];
  #t0 = performance.now();

  start() {
    this.#t0 = performance.now();
  }

  /** Mean answers per second over seconds [from, to). */
  rate(from, to) {
    let n = 0;
    for (let i = from; i < to; i++) n += this.perSecond[i] ?? 0;
    return to > from ? n / (to - from) : NaN;
  }

  add(req, res, problem) {
    const sec = Math.floor((performance.now() - this.#t0) / 1000);
    this.perSecond[sec] = (this.perSecond[sec] ?? 0) + 1;
    const k = this.kind(req.kind, req.category);
    k.n++;
    const status = res.status ?? (res.error ? 'no status' : '?');
    k.statuses.set(status, (k.statuses.get(status) ?? 0) + 1);
    if (res.ms > k.maxMs) k.maxMs = res.ms;
    this.latencies[req.category]?.push(res.ms);
    if (problem === undefined) {
      k.ok++;
      return;
    }
    k.errors++;
    if (k.samples++ < SAMPLES_PER_KIND) this.samples.push(`${req.kind} [${req.mode ?? req.method}]: ${problem}`);
  }

  totals(category) {
    let n = 0;
    let ok = 0;
    let errors = 0;
    for (const k of this.kinds.values()) {
      if (category && k.category !== category) continue;
      n += k.n;
      ok += k.ok;
      errors += k.errors;
    }
    return { n, ok, errors };
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Sends one request and judges it; never throws (a transport error is a result too). */
async function one(client, req, stats) {
  const t0 = performance.now();
  let res;
  try {
    const r = await client.request({
      method: req.method,
      path: req.path,
      body: req.body,
      headers: req.method === 'GET' ? req.headers : { 'content-type': 'text/xml', ...req.headers },
      // Far above WeChat's 5 s: a hung reply must show up as a slow result, not hang the soak.
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const body = await r.body.text();
    res = { status: r.statusCode, headers: r.headers, body, ms: performance.now() - t0 };
  } catch (error) {
    res = { error, ms: performance.now() - t0 };
  }
  let problem;
  try {
    problem = res.error
      ? `no response: ${res.error.code ?? res.error.name}: ${res.error.message}`
      : await req.check(res);
  } catch (err) {
    problem = `check threw: ${err.stack ?? err}`;
  }
  stats.add(req, res, problem);
  req.done?.(res, problem);
}

/**
 * Runs `connections` workers until `seconds` have passed. `next(worker)` builds a request:
 * { kind, category ('valid' | 'retry' | 'hostile'), method, path, body?, headers?, check(res) → problem | undefined, done?(res, problem) }.
 * `worker` is a per-worker object made by `makeWorker(index)`. With `rate` (requests per second,
 * all workers together) each worker keeps to its share of a steady schedule, skipping slots it
 * missed rather than bursting to catch up; without it, each sends its next request as soon as it
 * has an answer. The connections are left open: `close()` them when done (so FDs can be counted
 * before and after). `counters.open` is the number of connections open right now.
 */
export async function drive({ origin, connections, seconds, rate, next, makeWorker, stats, onCounters }) {
  const counters = {
    connects: 0,
    disconnects: 0,
    get open() {
      return this.connects - this.disconnects;
    },
  };
  const clients = Array.from({ length: connections }, () => {
    const c = new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    c.on('connect', () => counters.connects++);
    c.on('disconnect', () => counters.disconnects++);
    return c;
  });
  onCounters?.(counters);
  const started = performance.now();
  stats.start();
  const end = started + seconds * 1000;
  const interval = rate ? (connections * 1000) / rate : 0;
  const workers = Array.from({ length: connections }, async (_, i) => {
    const w = makeWorker(i);
    // Workers start staggered over one interval so the schedule is even, not 50 at once.
    let due = started + (interval * i) / connections;
    while (performance.now() < end) {
      if (interval) {
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (performance.now() >= end) break;
        due = Math.max(due + interval, performance.now());
      }
      await one(clients[i], next(w), stats);
    }
  });
  await Promise.all(workers);
  const elapsedMs = performance.now() - started;
  return { counters, elapsedMs, close: () => Promise.all(clients.map((c) => c.close())) };
}
