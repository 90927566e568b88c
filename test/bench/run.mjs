// `npm run bench`: a signed text→text reply through `wxbot serve` and through createHandler, each
// against a bare node:http server answering a fixed XML string, all measured in the same run on loopback.
//  1. Saturation (autocannon, 50 connections, as fast as they go): req/s as a ratio to the bare server,
//     CPU per request, and p50/p99 — which at saturation is mostly queueing behind 50 in-flight
//     requests on a machine whose cores are shared with the load generator.
//  2. Latency at a fixed moderate load (open loop, BENCH_RATE req/s evenly spread over 50 keep-alive
//     connections, see open-loop.mjs): p50/p99 of the server's answer when it is not saturated.
// Every request carries a unique MsgId so retry dedupe never short-cuts the work.
// Knobs (env): BENCH_SECONDS (4), BENCH_ROUNDS (3), BENCH_WARMUP (1), BENCH_RATE (2000), BENCH_LATENCY_SECONDS (5).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';
import { openLoop } from './open-loop.mjs';
import { ENV, requestPool } from './requests.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONNECTIONS = 50;
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
// serve runs in a scratch directory: its history file must not land in the checkout.
const SCRATCH = mkdtempSync(join(tmpdir(), 'wxbot-bench-'));

function start(args, waitFor) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: SCRATCH, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onData = (c) => {
      buf += c;
      const port = waitFor(buf);
      if (port) {
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        // Keep draining (the serve request log) so the pipe never blocks the server.
        child.stdout.resume();
        child.stderr.resume();
        resolve({ child, port });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${buf}`)));
  });
}

// CPU time a process has used (Linux /proc, in ms); undefined elsewhere. Throughput swings when other
// work shares the machine; CPU per request barely does, so both are reported.
function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

function run(opts) {
  return new Promise((resolve, reject) => {
    const inst = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: process.stderr });
  });
}

// The bare server gets the same signed requests (and ignores them), so the load generator does the
// same work for every target and only the server differs.
async function measure(name, target, mode, poolSize, only) {
  const path = target.path ?? '/wechat';
  const pool = requestPool(path, mode, poolSize);
  only(target);
  let i = 0;
  const request = { method: 'POST', setupRequest: (req) => ({ ...req, ...pool[i++ % pool.length] }) };
  const expect = target.bare || mode === 'plain' ? '<Content>' : '<Encrypt>';
  const base = {
    url: `http://127.0.0.1:${target.port}`, connections: CONNECTIONS, requests: [request], headers: { 'content-type': 'text/xml' },
  };
  let mismatches = 0;
  const verifyBody = (body) => {
    const ok = body.includes(expect);
    if (!ok) mismatches++;
    return ok;
  };
  await run({ ...base, duration: WARMUP, verifyBody });
  mismatches = 0;
  const cpu0 = cpuMs(target.child.pid);
  const res = await run({ ...base, duration: DURATION, verifyBody });
  const cpu1 = cpuMs(target.child.pid);
  const cpuUsPerReq = cpu0 === undefined || cpu1 === undefined ? undefined : +(((cpu1 - cpu0) * 1000) / res.requests.total).toFixed(1);
  if (!target.bare && i > pool.length) process.stderr.write(`warning: ${name} wrapped the request pool (dedupe hits)\n`);
  return {
    name, mode,
    rps: Math.round(res.requests.average), cpuUsPerReq,
    p50: res.latency.p50, p99: res.latency.p99,
    errors: res.errors + res.timeouts, non2xx: res.non2xx, mismatches,
  };
}

async function main() {
  const port = (s) => /^(\d+)\n/.exec(s)?.[1];
  const servePort = (s) => /URL\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(s)?.[1];
  const bin = join(ROOT, 'bin', 'wxbot.js');
  const bare = await start([join(ROOT, 'test/bench/servers.mjs'), 'bare'], port);
  const handler = await start([join(ROOT, 'test/bench/servers.mjs'), 'handler'], port);
  // --no-history as in production (the history file is a development aid); the default is measured too.
  const serve = await start([bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-history'], servePort);
  const serveDev = await start([bin, 'serve', '--host', '127.0.0.1', '--port', '0'], servePort);
  const targets = { bare: { ...bare, bare: true }, handler, serve, serveDev };
  const plan = [
    ['wxbot serve (plain)', 'serve', 'plain'],
    ['createHandler (plain)', 'handler', 'plain'],
    ['wxbot serve (safe)', 'serve', 'safe'],
    ['createHandler (safe)', 'handler', 'safe'],
    ['serve+history (plain)', 'serveDev', 'plain'],
  ];
  const latencyPlan = [
    ['bare node:http', 'bare', 'plain'],
    ['wxbot serve (plain)', 'serve', 'plain'],
    ['wxbot serve (safe)', 'serve', 'safe'],
    ['createHandler (plain)', 'handler', 'plain'],
    ['createHandler (safe)', 'handler', 'safe'],
  ];
  const rounds = [];
  const latency = [];
  const began = Date.now();
  // Only the measured target runs: the others are paused (SIGSTOP), so their timers (store sweeps of
  // the keys earlier runs left, history flushes) do not steal the 2 cores or show up in another's p99.
  const all = [bare, handler, serve, serveDev];
  const only = (t) => {
    for (const o of all) {
      try {
        process.kill(o.child.pid, o.child.pid === t.child.pid ? 'SIGCONT' : 'SIGSTOP');
      } catch {
        // not on this platform: measure with everything running
      }
    }
  };
  try {
    // Latency first, while the servers' dedupe stores are still small. Fresh MsgIds for every target.
    const count = Math.ceil(RATE * (LATENCY_SECONDS + 1)) + CONNECTIONS * 2;
    for (const [name, t, mode] of latencyPlan) {
      const target = targets[t];
      const pool = requestPool('/wechat', mode, count);
      const expect = target.bare || mode === 'plain' ? '<Content>' : '<Encrypt>';
      only(target);
      // One second of the same load first (JIT, connections), then the measured run.
      const warm = await openLoop({ port: target.port, pool, rate: RATE, seconds: 1, connections: CONNECTIONS, expect });
      const r = await openLoop({ port: target.port, pool, rate: RATE, seconds: LATENCY_SECONDS, connections: CONNECTIONS, expect, start: warm.next });
      latency.push({ name, mode, ...r });
      process.stderr.write(`latency at ${RATE} req/s: ${name} p50 ${r.p50} ms p99 ${r.p99} ms\n`);
    }
    // The machine may be shared: every round measures the bare server right before the others and
    // each ratio is against that round's bare figure; the report gives the median of the rounds.
    for (let round = 0; round < ROUNDS; round++) {
      const bareRun = await measure('bare node:http', targets.bare, 'plain', 20_000, only);
      // Enough unique MsgIds for a server as fast as the bare one, so no request is a dedupe hit.
      const poolSize = Math.ceil(bareRun.rps * 1.2 * (DURATION + WARMUP));
      const runs = { 'bare node:http': bareRun };
      for (const [name, t, mode] of plan) runs[name] = await measure(name, targets[t], mode, poolSize, only);
      rounds.push(runs);
      process.stderr.write(`round ${round + 1}/${ROUNDS}: ${Object.entries(runs).map(([n, r]) => `${n} ${r.rps}`).join(', ')}\n`);
    }
  } finally {
    for (const t of all) {
      t.child.kill('SIGCONT');
      t.child.kill('SIGTERM');
    }
    setTimeout(() => rmSync(SCRATCH, { recursive: true, force: true }), 500);
  }
  const median = (xs) => {
    const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
    if (v.length === 0) return undefined;
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const target = { plain: 0.5, safe: 0.35 };
  const names = ['bare node:http', ...plan.map(([n]) => n)];
  const rows = names.map((name) => {
    const per = rounds.filter((r) => r[name]).map((r) => ({ run: r[name], bare: r['bare node:http'] }));
    const isBare = name.startsWith('bare');
    const mode = per[0].run.mode;
    const ratio = isBare ? 1 : median(per.map((p) => p.run.rps / p.bare.rps));
    const cpuRatio = isBare ? 1 : median(per.map((p) => (p.run.cpuUsPerReq && p.bare.cpuUsPerReq ? p.bare.cpuUsPerReq / p.run.cpuUsPerReq : undefined)));
    const p99 = median(per.map((p) => p.run.p99));
    return {
      name, mode, rounds: per.length,
      rps: Math.round(median(per.map((p) => p.run.rps))),
      ratio: +ratio.toFixed(2), ratios: per.map((p) => +(p.run.rps / p.bare.rps).toFixed(2)),
      p50: median(per.map((p) => p.run.p50)), p99, p99s: per.map((p) => p.run.p99),
      cpuUsPerReq: median(per.map((p) => p.run.cpuUsPerReq)), cpuRatio: cpuRatio === undefined ? undefined : +cpuRatio.toFixed(2),
      errors: per.reduce((a, p) => a + p.run.errors + p.run.non2xx + p.run.mismatches, 0),
      goal: isBare ? '' : `${ratio >= target[mode] ? 'ok ' : 'LOW'} (>= ${target[mode]})`,
    };
  });
  const out = (line) => process.stdout.write(`${line}\n`);
  out('');
  out(`1. Saturation: autocannon, ${CONNECTIONS} connections, as fast as they go; ${ROUNDS} rounds × ${DURATION} s (+${WARMUP} s warm-up),`);
  out('   medians (per-round ratios to that round\'s bare server in brackets). p50/p99 here are mostly queueing behind');
  out(`   ${CONNECTIONS} in-flight requests on cores shared with the load generator; see 2. for latency at a moderate load.`);
  out(`${'target'.padEnd(24)} ${'req/s'.padStart(7)} ${'ratio'.padStart(6)} ${'rounds'.padEnd(17)} ${'p50'.padStart(4)} ${'p99'.padStart(4)} ${'µs CPU/req'.padStart(10)} ${'cpu ratio'.padStart(9)} errors  check`);
  for (const r of rows) {
    const isBare = r.name.startsWith('bare');
    out(`${r.name.padEnd(24)} ${String(r.rps).padStart(7)} ${r.ratio.toFixed(2).padStart(6)} ${(isBare ? '' : `[${r.ratios.join(' ')}]`).padEnd(17)} ${String(r.p50).padStart(4)} ${String(r.p99).padStart(4)} ${String(r.cpuUsPerReq === undefined ? '-' : r.cpuUsPerReq.toFixed(1)).padStart(10)} ${String(r.cpuRatio ?? '-').padStart(9)} ${String(r.errors).padStart(6)}  ${r.goal}`);
  }
  const plainRow = rows.find((r) => r.name === 'wxbot serve (plain)');
  const histRow = rows.find((r) => r.name === 'serve+history (plain)');
  out(`   history recording (the serve default) costs ${Math.round((1 - histRow.ratio / plainRow.ratio) * 100)}% of --no-history throughput` +
    (histRow.cpuUsPerReq && plainRow.cpuUsPerReq ? `, ${Math.round((histRow.cpuUsPerReq / plainRow.cpuUsPerReq - 1) * 100)}% more CPU per request` : ''));
  out('');
  out(`2. Latency at a fixed load: ${RATE} req/s for ${LATENCY_SECONDS} s (after 1 s of warm-up), open loop, evenly spread over ${CONNECTIONS} keep-alive`);
  out('   connections (round-robin). p50/p99 from the moment the generator released a request (includes waiting for a');
  out('   free connection); "p99 due" from its exact due time (adds the generator\'s own timer slack, up to ~1 ms).');
  out(`${'target'.padEnd(24)} ${'req/s'.padStart(7)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'p99 due'.padStart(8)} errors  check (p99 <= 10 ms)`);
  for (const r of latency) {
    out(`${r.name.padEnd(24)} ${String(r.rate).padStart(7)} ${r.p50.toFixed(2).padStart(6)} ${r.p90.toFixed(2).padStart(6)} ${r.p99.toFixed(2).padStart(6)} ${r.max.toFixed(1).padStart(6)} ${r.dueP99.toFixed(2).padStart(8)} ${String(r.errors + r.mismatches).padStart(6)}  ${r.p99 <= 10 ? 'ok' : 'HIGH'}`);
  }
  out('');
  out(`Commands: npm run bench (= npm run build && node test/bench/run.mjs); targets: node test/bench/servers.mjs bare|handler,`);
  out(`  wxbot serve --host 127.0.0.1 --port 0 [--no-history] (WECHAT_TOKEN/AES_KEY/APP_ID set). Took ${Math.round((Date.now() - began) / 1000)} s.`);
  out('');
  out(JSON.stringify({ rounds: ROUNDS, seconds: DURATION, connections: CONNECTIONS, saturation: rows, latency: { rate: RATE, seconds: LATENCY_SECONDS, results: latency } }));
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
