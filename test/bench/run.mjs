// `npm run bench`: a signed text→text reply through `wxbot serve` and through createHandler, in
// plaintext and safe mode, against a bare node:http server answering a fixed XML string, all measured
// in the same run on loopback, ending in a verdict table for the targets of issues #3 and #8.
//  1. Latency at a fixed rate (open loop, BENCH_RATE req/s evenly spread over 50 keep-alive
//     connections, see open-loop.mjs), in interleaved rounds: p50/p99/p99.9.
//  2. Saturation (50 connections as fast as answers come, closed loop): req/s as a ratio to the bare
//     server measured with it, in turns of BENCH_SLICE seconds (each target has bare turns of its own), CPU per request,
//     p50/p99; plus dedupe-heavy traffic through
//     `wxbot serve` (30% of requests are byte-identical re-sends of an earlier MsgId, as WeChat
//     retries), where every retry must get the reply of its first delivery and be answered from it.
// The server under test runs pinned to one core and the load generator (this process) to the other
// (pin.mjs), so they stop taking turns on one core. Every request carries a fresh MsgId except the
// planned retries, so dedupe never short-cuts the work by accident. The load comes from raw sockets
// with pre-built requests (http-conn.mjs), for saturation too: autocannon needs more CPU per request
// than a bare node:http server, so on one core it cannot saturate the bare server on the other and
// every ratio to it comes out too high (BENCH_GENERATOR=autocannon to see it: bare ~19k req/s with its
// core 60% busy, ratios ~0.65, against ~37k and ~0.35 with this generator). The report shows how busy
// both cores were, and the server's CPU per request relative to the bare server's as a second ratio
// that does not depend on how fast the generator is.
//
// Which p99 the "p99 <= 10 ms at 50 connections" target is judged on: the fixed-rate one. At
// saturation every connection sends its next request the moment an answer arrives, so ~50 requests
// are always queued and latency ≈ 50 / throughput (Little's law): it restates throughput, and the
// bare node:http server itself is the floor (its own p99 at saturation is 5-15 ms here). A server at
// a third of the bare throughput must show three times the floor, however short its pauses. The fixed
// rate keeps the same 50 connections busy with a load the server can carry, so the tail shows what a
// request waits on (GC, timers, crypto, log writes), which is what the target is about. Each round's
// p99 is taken over BENCH_RATE × BENCH_LATENCY_SECONDS requests; the verdict uses the median of the
// rounds, like the throughput ratios, so a burst of other work on the shared machine during one
// round does not decide it — every round's figure, the pooled p99/p99.9 and the share of the server's
// core other processes took are printed next to it. Saturation p99 is printed for reference.
//
// Knobs (env, defaults in brackets; about 8 minutes in all): BENCH_SECONDS [3] and BENCH_WARMUP [1]
// per saturation run, BENCH_BARE_SECONDS [2] and BENCH_BARE_WARMUP [0.5] for the bare run before each, BENCH_ROUNDS [5] (a median of 5: two disturbed rounds cannot decide it); BENCH_RATE [2000], BENCH_LATENCY_SECONDS [3],
// BENCH_LATENCY_ROUNDS [3], BENCH_JIT_WARMUP [1.5] (seconds flat out per target before the latency
// rounds), BENCH_NOISE_MAX [0.1] and BENCH_LATENCY_EXTRA [5] (disturbed rounds, see latencyPhase);
// BENCH_RETRY_SHARE [0.3]; BENCH_COMPUTE_US [10] (the calibration row); BENCH_HISTORY=1 (also `wxbot serve` recording history); BENCH_UI=1 (`wxbot serve` with --ui, no page open);
// BENCH_SLICE [0.5] (length of a turn); BENCH_GENERATOR=autocannon; BENCH_PIN=0 (no pinning), BENCH_SERVER_CPU [1], BENCH_LOADGEN_CPU [0].
// Exit code 1 when a target fails (the failures are listed on stderr).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAverages, watch } from './machine.mjs';
import { closedLoop } from './closed-loop.mjs';
import { openLoop } from './open-loop.mjs';
import { planPinning } from './pin.mjs';
import {
  printLatency,
  printSaturation,
  printVerdicts,
  summariseLatency,
  summariseSaturation,
  verdicts,
} from './report.mjs';
import { requestPool, retryPool } from './requests.mjs';
import { noise, saturate } from './saturation.mjs';
import { runOnly, startAll, stopAll } from './targets.mjs';

const num = (name, dflt) =>
  process.env[name] === undefined || process.env[name] === '' ? dflt : Number(process.env[name]);
const K = {
  connections: 50,
  seconds: num('BENCH_SECONDS', 3),
  warmup: num('BENCH_WARMUP', 1),
  rounds: num('BENCH_ROUNDS', 5),
  bareSeconds: num('BENCH_BARE_SECONDS', 2),
  bareWarmup: num('BENCH_BARE_WARMUP', 0.5),
  slice: num('BENCH_SLICE', 0.5),
  rate: num('BENCH_RATE', 2000),
  latencySeconds: num('BENCH_LATENCY_SECONDS', 3),
  latencyRounds: num('BENCH_LATENCY_ROUNDS', 3),
  jitWarmup: num('BENCH_JIT_WARMUP', 1.5),
  latencyExtra: num('BENCH_LATENCY_EXTRA', 5),
  noiseMax: num('BENCH_NOISE_MAX', 0.1),
  retryShare: num('BENCH_RETRY_SHARE', 0.3),
  computeUs: num('BENCH_COMPUTE_US', 10),
  history: process.env.BENCH_HISTORY === '1',
  generator: process.env.BENCH_GENERATOR === 'autocannon' ? 'autocannon' : 'raw',
};

const COMPUTE_ROW = `bare + ${K.computeUs} µs computation`;

const LATENCY_PLAN = [
  ['bare node:http', 'bare', 'plain'],
  ['wxbot serve (plain)', 'serve', 'plain'],
  ['wxbot serve (safe)', 'serve', 'safe'],
  ['createHandler (plain)', 'handler', 'plain'],
  ['createHandler (safe)', 'handler', 'safe'],
];
const SATURATION_PLAN = [
  ['wxbot serve (plain)', 'serve', 'plain'],
  ['createHandler (plain)', 'handler', 'plain'],
  ['wxbot serve (safe)', 'serve', 'safe'],
  ['createHandler (safe)', 'handler', 'safe'],
  ['serve, 30% retries (plain)', 'serve', 'plain', 'retries'],
  ['serve, 30% retries (safe)', 'serve', 'safe', 'retries'],
  // The scale the issue's targets came with: this middleware reached ~0.10 / ~0.06 of bare there.
  ['wechat middleware (plain)', 'wechat', 'plain'],
  // Calibration: the bare server plus a fixed amount of pure computation (no allocation, no memory
  // traffic), showing what any server slower than bare loses on this machine beyond its own work.
  [COMPUTE_ROW, 'compute', 'plain'],
  ['wechat middleware (safe)', 'wechat', 'safe'],
];
if (K.history) SATURATION_PLAN.push(['serve+history (plain)', 'serveHistory', 'plain']);

const expectOf = (target, mode) => (target.fixed || mode === 'plain' ? '<Content>' : '<Encrypt>');

async function latencyRun(pin, targets, [name, key, mode], round, warm) {
  const target = targets[key];
  const pool = requestPool('/wechat', mode, Math.ceil(K.rate * (K.latencySeconds + warm)) + K.connections * 4);
  runOnly(targets, target);
  const opts = { port: target.port, pool, rate: K.rate, connections: K.connections, expect: expectOf(target, mode) };
  // The same load unmeasured first (JIT, connections), then the measured run.
  const w0 = await openLoop({ ...opts, seconds: warm });
  const w = watch([
    [target.child.pid, pin.cores.server],
    [process.pid, pin.cores.loadgen],
  ]);
  const r = await openLoop({ ...opts, seconds: K.latencySeconds, start: w0.next });
  const others = noise(w.stop().others);
  const disturbed = others !== undefined && others > K.noiseMax;
  process.stderr.write(
    `latency round ${round + 1} ${name}: p50 ${r.p50} p99 ${r.p99} p99.9 ${r.p999} ms` +
      `${others === undefined ? '' : `, other processes took ${Math.round(others * 100)}% of a pinned core${disturbed ? ' (disturbed)' : ''}`}\n`,
  );
  return { name, round, ...r, others, disturbed };
}

/**
 * Interleaved rounds over every target. A round during which other processes took more than
 * BENCH_NOISE_MAX of the server's or the generator's core is kept in the report but marked
 * disturbed, and the target gets an extra round at the end (BENCH_LATENCY_EXTRA in all, so the run
 * stays bounded); the verdict uses the undisturbed rounds when there are any.
 */
async function latencyPhase(pin, targets) {
  // Each target first runs flat out for a moment: V8 optimises the hot path on the same core, and
  // those compilations would otherwise land in the first measured round (seen: p99 10-25 ms).
  for (const [, key, mode] of LATENCY_PLAN) {
    const target = targets[key];
    runOnly(targets, target);
    await closedLoop({
      port: target.port,
      pool: requestPool('/wechat', mode, 40_000),
      seconds: K.jitWarmup,
      connections: K.connections,
    });
  }
  const runs = [];
  for (let round = 0; round < K.latencyRounds; round++) {
    for (const plan of LATENCY_PLAN) runs.push(await latencyRun(pin, targets, plan, round, 0.5));
  }
  let extra = K.latencyExtra;
  const clean = (name) => runs.filter((r) => r.name === name && !r.disturbed).length;
  for (let round = K.latencyRounds; extra > 0; round++) {
    const short = LATENCY_PLAN.filter(([name]) => clean(name) < K.latencyRounds);
    if (short.length === 0) break;
    for (const plan of short.slice(0, extra)) {
      extra--;
      runs.push(await latencyRun(pin, targets, plan, round, 0.5));
    }
  }
  return runs;
}

async function saturationPhase(pin, targets) {
  const runs = [];
  const common = {
    connections: K.connections,
    seconds: K.seconds,
    warmup: K.warmup,
    cores: pin.cores,
    generator: K.generator,
  };
  const best = {};
  const only = (t) => runOnly(targets, t);
  // The bare server ignores what it gets: a small pool, sent round and round.
  const barePool = requestPool('/wechat', 'plain', 20_000);
  const bare = { target: targets.bare, pool: barePool, expect: '<Content>' };
  const measureBare = (round, pairedWith, seconds = K.bareSeconds) => {
    only(targets.bare);
    return saturate({
      ...common,
      seconds,
      warmup: K.bareWarmup,
      target: bare.target,
      pool: bare.pool,
      expect: bare.expect,
      wrap: true,
      only,
    }).then((r) => {
      if (pairedWith !== undefined) runs.push({ name: 'bare node:http', round, mode: 'plain', pairedWith, ...r });
      return r;
    });
  };
  for (let round = 0; round < K.rounds; round++) {
    // A short bare run sizes the request pools (it is not one of the figures).
    const first = await measureBare(round, undefined, 1);
    // Fresh MsgIds for every request a target can answer: sized from its best round so far (0.9 of
    // bare at first) with a margin, as building them takes seconds; a target faster than that stops
    // early rather than re-send one. serve and createHandler are separate processes with separate
    // stores, so they share a pool.
    const pools = {};
    const poolFor = (kind, mode) => {
      const users = SATURATION_PLAN.filter((p) => (p[3] ?? 'fresh') === kind && p[2] === mode).map(
        ([n]) => best[n] ?? first.rps * 0.9,
      );
      const size = Math.ceil(Math.max(...users) * 1.5 * (K.seconds + K.warmup)) + 2000;
      pools[`${kind} ${mode}`] ??=
        kind === 'retries'
          ? retryPool('/wechat', mode, size, { retryShare: K.retryShare, seed: round + 1 })
          : requestPool('/wechat', mode, size);
      return pools[`${kind} ${mode}`];
    };
    const line = [];
    for (const [name, key, mode, kind = 'fresh'] of SATURATION_PLAN) {
      const target = targets[key];
      // A fixed-reply server ignores what it gets: it goes round the bare server's pool.
      const pool = target.fixed ? barePool : poolFor(kind, mode);
      // This VM's speed changes by tens of percent from one moment to the next (the hypervisor's
      // other guests): the raw generator measures the target and the bare server in turns of
      // BENCH_SLICE seconds (see saturate); autocannon gives each target a bare run right before it.
      const turns = K.generator === 'raw';
      const before = turns ? undefined : await measureBare(round, name);
      const { bare: paired, ...r } = await saturate({
        ...common,
        target,
        pool,
        wrap: target.fixed === true,
        expect: expectOf(target, mode),
        checkRetries: kind === 'retries',
        only,
        ...(turns ? { bare, slice: K.slice } : {}),
      });
      const b = paired ?? before;
      if (paired) runs.push({ name: 'bare node:http', round, mode: 'plain', pairedWith: name, ...paired });
      if (target.fixed) r.wrapped = false; // nothing to dedupe
      if (r.wrapped)
        process.stderr.write(`warning: ${name} went through its whole request pool (unplanned dedupe hits)\n`);
      if (r.exhausted)
        process.stderr.write(
          `note: ${name} used its whole request pool before the time was up (measured over less time)\n`,
        );
      best[name] = Math.max(best[name] ?? 0, r.rps);
      runs.push({ name, round, mode, bare: { rps: b.rps, cpuUsPerReq: b.cpuUsPerReq }, ...r });
      line.push(`${name} ${r.rps} (bare ${b.rps})`);
    }
    process.stderr.write(`saturation round ${round + 1}/${K.rounds}: ${line.join(', ')}\n`);
  }
  return runs;
}

async function main() {
  const began = Date.now();
  const pin = planPinning();
  pin.pinSelf();
  const loadBefore = loadAverages();
  process.stderr.write(`${pin.notice}\nload averages at start: ${loadBefore}\n`);
  // serve runs in a scratch directory: nothing it writes lands in the checkout.
  const scratch = mkdtempSync(join(tmpdir(), 'wxbot-bench-'));
  const targets = await startAll(pin, scratch, { history: K.history, computeUs: K.computeUs });
  let latencyRuns;
  let saturationRuns;
  try {
    // Latency first, on servers that have seen little traffic; a long run at the same rate (README)
    // gives the same tail, the dedupe store living off the JS heap.
    latencyRuns = await latencyPhase(pin, targets);
    saturationRuns = await saturationPhase(pin, targets);
  } finally {
    stopAll(targets);
    setTimeout(() => rmSync(scratch, { recursive: true, force: true }), 500);
  }
  const latency = summariseLatency(
    latencyRuns,
    LATENCY_PLAN.map(([n]) => n),
  );
  const saturation = summariseSaturation(saturationRuns, ['bare node:http', ...SATURATION_PLAN.map(([n]) => n)]);
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out();
  out(`wxbot bench — ${pin.notice}`);
  printLatency(out, latency, K);
  printSaturation(out, saturation, K);
  const v = verdicts(latency, saturation, { ...K, computeRow: COMPUTE_ROW });
  printVerdicts(out, v, K);
  out();
  out(
    `Load averages (1/5/15 min): ${loadBefore} at start, ${loadAverages()} at the end. Took ${Math.round((Date.now() - began) / 1000)} s.`,
  );
  out('Reproduce: flock /tmp/wxbot-load.lock npm run bench  (targets: node test/bench/servers.mjs bare|handler;');
  out('  wxbot serve --host 127.0.0.1 --port 0 --no-history with WECHAT_TOKEN/WECHAT_AES_KEY/WECHAT_APP_ID set)');
  out(
    JSON.stringify({
      knobs: K,
      pinning: pin.notice,
      load: { start: loadBefore, end: loadAverages() },
      latency,
      saturation,
      verdicts: v,
    }),
  );
  const failed = v.filter((x) => x.judged && !x.pass);
  if (failed.length > 0) {
    process.stderr.write(
      `bench: ${failed.length} target(s) failed: ${failed.map((f) => `${f.target} (${f.measured})`).join('; ')}\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
