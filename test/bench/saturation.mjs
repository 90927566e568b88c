// Saturation: 50 connections each sending its next request the moment an answer arrives (closed
// loop). Gives req/s, CPU per request, how busy the server's and the generator's cores were, p50/p99,
// and for retry traffic whether every retry got the reply of its first delivery.
// Generator: the raw-socket one of closed-loop.mjs by default; BENCH_GENERATOR=autocannon uses
// autocannon, which costs more CPU per request than a bare node:http server and so caps the bare
// figure lower (the ratios then look better than they are).
import autocannon from 'autocannon';
import { ClosedLoad } from './closed-loop.mjs';
import { watch } from './machine.mjs';
import { replyPayload } from './requests.mjs';

/** The larger share of the two pinned cores other processes took (undefined when unpinned). */
export const noise = (others) => (others.some((x) => x === undefined) ? undefined : +Math.max(...others).toFixed(2));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function autocannonRun(opts) {
  return new Promise((resolve, reject) => {
    const inst = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
    autocannon.track(inst, {
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
      outputStream: process.stderr,
    });
  });
}

/** Runs the load with autocannon, in the shape closedLoop answers. */
async function withAutocannon({ port, pool, seconds, connections, expect, start, onResponse }) {
  let i = start;
  let mismatches = 0;
  const request = {
    method: 'POST',
    setupRequest: (req, context) => {
      context.n = i++ % pool.length;
      const r = pool.entry(context.n);
      return { ...req, path: r.path, body: r.body };
    },
    onResponse: onResponse ? (status, body, context) => onResponse(context.n, status, body) : undefined,
  };
  const res = await autocannonRun({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [request],
    headers: { 'content-type': 'text/xml' },
    verifyBody: (body) => {
      if (body.includes(expect)) return true;
      mismatches++;
      return false;
    },
  });
  return {
    requests: res.requests.total,
    p50: res.latency.p50,
    p99: res.latency.p99,
    errors: res.errors + res.timeouts + res.non2xx,
    mismatches,
    next: i,
    wrapped: i - start > pool.length,
  };
}

/** CPU and wall time of stretches measured one after another, as one measurement. */
function tally(pid, core, loadPid, loadCore) {
  const t = { ms: 0, cpu: 0, loadCpu: 0, othersMs: 0, known: true };
  return {
    t,
    async over(fn) {
      const w = watch([
        [pid, core],
        [loadPid, loadCore],
      ]);
      const r = await fn();
      const { cpu, ms, others } = w.stop();
      t.ms += ms;
      if (cpu[0] === undefined || cpu[1] === undefined) t.known = false;
      else {
        t.cpu += cpu[0];
        t.loadCpu += cpu[1];
      }
      // The larger of the two cores' shares taken by other processes, weighted by time.
      const o = noise(others);
      if (o === undefined) t.othersMs = NaN;
      else t.othersMs += o * ms;
      return r;
    },
  };
}

/** A run's summary (ClosedLoad's or autocannon's) and its tally, as saturate() reports them. */
function figures(res, { t }) {
  return {
    rps: Math.round(res.requests / (t.ms / 1000)),
    cpuUsPerReq: t.known ? +((t.cpu * 1000) / res.requests).toFixed(1) : undefined,
    // Shares of their cores the server and the generator used: a server below ~95% while the
    // generator is near 100% was limited by the generator, not by its own speed.
    serverBusy: t.known ? +(t.cpu / t.ms).toFixed(2) : undefined,
    loadGenBusy: t.known ? +(t.loadCpu / t.ms).toFixed(2) : undefined,
    // Spinning generator: share of its loop turns with no answer to handle (its headroom).
    loadGenIdle: res.idle,
    others: Number.isNaN(t.othersMs) ? undefined : +(t.othersMs / t.ms).toFixed(2),
    p50: res.p50,
    p99: res.p99,
  };
}

/**
 * Measures `target` with requests taken in order from `pool` (a RequestPool): `warmup` seconds
 * unmeasured, then `seconds` measured (less if the pool runs out: no request is sent twice unless
 * `wrap`; autocannon always wraps, and `wrapped` says it happened). `expect` is a string every answer
 * must contain. With `checkRetries`, answers to retries (entries with first >= 0) are compared with
 * the answer to their first delivery, and the server's request log must count each retry as
 * answered from it.
 *
 * With `bare` ({ target, pool, expect }) and the raw generator, the bare server is measured in the
 * same stretch of time, in turns: `slice` seconds of bare, `slice` of the target, and so on until
 * each had `seconds`, `only(t)` letting just one of them run at a time. This VM's speed changes from
 * one fraction of a second to the next by tens of percent (seen: bare at 13k-25k req/s in adjacent
 * 0.3 s windows): turns this short put both servers through the same mix of fast and slow moments,
 * where a bare run followed by the target's gave each its own. `out.bare` then has the bare figures.
 */
export async function saturate({
  target,
  pool,
  expect,
  connections,
  seconds,
  warmup,
  cores = {},
  checkRetries = false,
  generator = 'raw',
  wrap = false,
  bare,
  slice = 0.5,
  only = () => {},
}) {
  // The raw generator spins only on a core of its own (it would take the server's otherwise).
  const spin = generator !== 'autocannon' && cores.loadgen !== undefined;
  const bodies = checkRetries ? new Array(pool.length) : undefined;
  const wanted = checkRetries ? new Uint8Array(pool.length) : undefined;
  if (wanted) for (let n = 0; n < pool.length; n++) if (pool.first[n] >= 0) wanted[pool.first[n]] = 1;
  let retriesSent = 0;
  let retriesAnswered = 0;
  const onResponse = checkRetries
    ? (n, status, body) => {
        if (pool.first[n] >= 0) retriesAnswered++;
        if (status === 200 && (pool.first[n] >= 0 || wanted[n]) && bodies[n] === undefined) bodies[n] = String(body);
      }
    : undefined;
  const opts = { port: target.port, pool, connections, expect, onResponse, wrap, spin };
  const hits0 = target.log.retries();
  // A collection of the generator's own heap (pools of 100k+ pre-built requests) now, between runs,
  // rather than during one: its marking threads share the generator's pinned core, and a major GC
  // in a measured run stalled the load for 15-20 ms at a time (p99 17 ms, the server idle 10-15%).
  // `npm run bench` runs node with --expose-gc.
  globalThis.gc?.();
  const tl = tally(target.child.pid, cores.server, process.pid, cores.loadgen);
  let res;
  let warmErrors;
  let wrapped;
  let paired;
  if (generator === 'autocannon') {
    only(target);
    const warm = await withAutocannon({ ...opts, seconds: warmup, start: 0 });
    warmErrors = warm.errors + warm.mismatches;
    res = await tl.over(() => withAutocannon({ ...opts, seconds, start: warm.next }));
    wrapped = warm.wrapped || res.wrapped;
  } else {
    const load = await new ClosedLoad({ ...opts, start: 0 }).open();
    const bareLoad = bare
      ? await new ClosedLoad({
          port: bare.target.port,
          pool: bare.pool,
          connections,
          expect: bare.expect,
          wrap: true,
          spin,
        }).open()
      : undefined;
    try {
      only(target);
      await load.run(warmup);
      warmErrors = load.errors + load.mismatches;
      load.reset();
      if (!bareLoad) await tl.over(() => load.run(seconds));
      else {
        only(bare.target);
        await bareLoad.run(Math.min(0.3, slice));
        bareLoad.reset();
        const bl = tally(bare.target.child.pid, cores.server, process.pid, cores.loadgen);
        // Turns until each had its `seconds` (or the pool ran out).
        for (let i = 0, n = Math.max(1, Math.round(seconds / slice)); i < n && !load.exhausted; i++) {
          only(bare.target);
          await bl.over(() => bareLoad.run(slice));
          only(target);
          await tl.over(() => load.run(slice));
        }
        const b = bareLoad.summary();
        paired = { ...figures(b, bl), errors: b.errors + b.mismatches, wrapped: false };
      }
      res = load.summary();
      wrapped = res.next > pool.length;
    } finally {
      load.close();
      bareLoad?.close();
    }
  }
  const out = { ...figures(res, tl), wrapped, exhausted: res.exhausted, ...(paired ? { bare: paired } : {}) };
  out.errors = res.errors + res.mismatches + warmErrors;
  if (checkRetries) {
    for (let n = 0; n < Math.min(res.next, pool.length); n++) if (pool.first[n] >= 0) retriesSent++;
    // The request log is written in batches of a few ms: let the last lines arrive.
    await sleep(150);
    let checked = 0;
    let differ = 0;
    for (let n = 0; n < pool.length; n++) {
      const first = pool.first[n];
      if (first < 0 || bodies[n] === undefined || bodies[first] === undefined) continue;
      checked++;
      if (replyPayload(bodies[n]) !== replyPayload(bodies[first])) differ++;
    }
    out.retries = {
      sent: retriesSent,
      answered: retriesAnswered,
      checked,
      differ,
      // Retries the server logged as answered from the first delivery (its handler did not run again).
      dedupeHits: target.log.retries() - hits0,
      logIncomplete: target.log.dropped,
    };
  }
  return out;
}
