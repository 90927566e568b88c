// CPU per request of several servers measured in turns: the question "is this change worth 3%?" on a
// machine whose speed changes by tens of percent from one minute to the next (other guests of the
// hypervisor). Sequential runs of A and then B compare two moments as much as two builds; turns of
// about a second each, round and round, put every target through the same moments.
//   node test/bench/turns.mjs '<targets as JSON>'
// A target: { "target": "serve" | "handler" | "bare", "root": "<checkout>" (default this one),
// "args": [extra `wxbot serve` arguments], "env": { extra environment }, "label": "<name>", "prefill": N
// (requests sent before the first turn, so its store holds what a busy server's does) }. Example,
// the replay guard's share, by turning it off in a copy's dist/ (see docs/internals/bench-log.md):
//   node test/bench/turns.mjs '[{"target":"serve"},{"target":"serve","root":"/tmp/copy"},{"target":"bare"}]'
// TURNS [8] rounds of TURN_REQUESTS [15000] plaintext requests per target over 50 keep-alive
// connections (TURN_WARMUP [3000] unmeasured before each, TURN_JIT_WARMUP [20000] once at start),
// the others paused meanwhile (SIGSTOP), the generator spinning on its own core as the bench's does;
// MODE=safe for safe mode, RETRIES=0.3 for that share of WeChat's retries (as the bench's retry rows).
// Prints each target's median CPU µs per request (every thread, user and
// system) and its turns in order, its minor page faults per request (on this VM a first write to a
// fresh page costs about 11 µs), and every target after the first against the first, turn by turn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendAll } from './http-conn.mjs';
import { cpuMs, minorFaults } from './machine.mjs';
import { planPinning } from './pin.mjs';
import { median } from './report.mjs';
import { ENV, requestPool, retryPool } from './requests.mjs';
import { portLine, runOnly, servePort, startTarget } from './targets.mjs';

const HERE = fileURLToPath(new URL('../../', import.meta.url));
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const TURNS = num('TURNS', 8);
const TURN = num('TURN_REQUESTS', 15000);
const WARMUP = num('TURN_WARMUP', 3000);
const JIT_WARMUP = num('TURN_JIT_WARMUP', 20000);
const MODE = process.env.MODE === 'safe' ? 'safe' : 'plain';
const RETRIES = num('RETRIES', 0);
const CONNECTIONS = 50;

const specs = JSON.parse(process.argv[2] ?? '[{"target":"serve"},{"target":"handler"},{"target":"bare"}]');
const pin = planPinning();
pin.pinSelf();
process.stderr.write(`${pin.notice}\n`);

async function start(spec, cwd) {
  const root = spec.root ?? HERE;
  const serve = spec.target === 'serve';
  const args = serve
    ? [join(root, 'bin/wxbot.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--no-history', ...(spec.args ?? [])]
    : [join(root, 'test/bench/servers.mjs'), spec.target];
  const env = { ...ENV, ...spec.env };
  const t = await startTarget(
    pin,
    args,
    serve ? servePort : portLine,
    cwd,
    serve ? join(cwd, 'serve.log') : undefined,
    env,
  );
  const label = spec.label ?? [spec.target, spec.root, ...(spec.args ?? []), JSON.stringify(spec.env ?? '')].join(' ');
  return {
    ...t,
    path: serve ? '/wechat' : '/',
    label,
    prefill: spec.prefill ?? 0,
    cpu: [],
    faults: 0,
    sent: 0,
    retries: 0,
  };
}

/** Sends `count` signed requests to `t`: fresh ones, and a share RETRIES of them retries. */
function send(t, count) {
  const pool = RETRIES > 0 ? retryPool(t.path, MODE, count, { retryShare: RETRIES }) : requestPool(t.path, MODE, count);
  t.sent += count;
  for (let n = 0; n < count; n++) if (pool.first[n] >= 0) t.retries++;
  return sendAll(t.port, pool, CONNECTIONS, { spin: pin.cores.loadgen !== undefined });
}

/**
 * `t` against `base` turn by turn: the machine's speed drifts over minutes, so the difference within a
 * round (the two measured seconds apart) says more than the difference of two medians. The middle
 * half of the differences shows how far one run can be trusted.
 */
function pairedDifference(t, base) {
  const d = t.cpu.map((x, i) => x - base.cpu[i]).sort((a, b) => a - b);
  const q = (f) => d[Math.min(d.length - 1, Math.floor(f * d.length))];
  const sign = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  return `${sign(median(d))} µs/request turn by turn (middle half ${sign(q(0.25))} to ${sign(q(0.75))})  ${t.label} against ${base.label}`;
}

const dir = mkdtempSync(join(tmpdir(), 'wxbot-turns-'));
const targets = {};
try {
  for (const [i, spec] of specs.entries()) targets[i] = await start(spec, mkdtempSync(join(dir, `${i}-`)));
  const list = Object.values(targets);
  for (const t of list) {
    runOnly(targets, t);
    await send(t, JIT_WARMUP); // JIT tiers settle
    // In pools of 100k: a pool's requests share one timestamp, which must not age past the server's skew check.
    for (let left = t.prefill; left > 0; left -= 100_000) await send(t, Math.min(left, 100_000));
    if (t.prefill > 0) process.stderr.write(`${t.label}: ${t.prefill} requests sent before the turns\n`);
  }
  for (let round = 0; round < TURNS; round++) {
    // Every other round in reverse order: no target always follows the same one.
    for (const t of round % 2 ? [...list].reverse() : list) {
      runOnly(targets, t);
      await send(t, WARMUP);
      const before = cpuMs(t.child.pid);
      const faults = minorFaults(t.child.pid);
      await send(t, TURN);
      t.cpu.push(((cpuMs(t.child.pid) - before) * 1000) / TURN);
      t.faults += minorFaults(t.child.pid) - faults;
    }
  }
  for (const t of list) {
    console.log(
      `${median(t.cpu).toFixed(1).padStart(6)} µs/request  [${t.cpu.map((x) => x.toFixed(0)).join(' ')}]  ${(t.faults / (TURN * TURNS)).toFixed(3)} page faults/request  ${t.label}`,
    );
    if (t.retries > 0)
      process.stderr.write(`${t.label}: ${t.retries} of ${t.sent} requests were retries, all answered 200\n`);
  }
  for (const t of list.slice(1)) console.log(pairedDifference(t, list[0]));
} finally {
  for (const t of Object.values(targets)) {
    t.child.kill('SIGCONT');
    t.child.kill('SIGTERM');
  }
  rmSync(dir, { recursive: true, force: true });
}
