// `npm run soak`: the real `wxbot serve` (bin/wxbot.js, a child process in a scratch directory)
// under sustained traffic, every response checked.
//
// Phase 1, mixed traffic: SOAK_WARMUP (90) + SOAK_SECONDS (60) seconds at SOAK_RATE (1000) req/s over SOAK_CONNECTIONS (50)
// keep-alive connections of every message and event type plus GET verification, in plaintext,
// compatible and safe mode against one server configured with an EncodingAESKey (it tells the modes
// apart per request), 5% retries (the same bytes again) and 5% hostile requests. Criteria: zero
// errors on valid requests, every hostile request answered with its documented 4xx, no 5xx, every
// webhook request in the server's log, VmRSS growth < 20 MB between the end of the warm-up and the
// end (each taken right after a full GC, see gc-probe.cjs), no file-descriptor growth, clean shutdown.
//
// Phase 2, chat provider faults: SOAK_FAULT_SECONDS (20) of text and voice that go to a chat
// provider (a local fake Tuling that hangs, stalls or answers 10 s late on one call in five).
// Criteria: every reply 200 inside the 4.5 s deadline with the provider's answer or the fallback
// text, one provider call per message, every fault logged once.
//
// Knobs (env): SOAK_SECONDS, SOAK_WARMUP, SOAK_CONNECTIONS, SOAK_RATE (1000 req/s; 0 = as fast as they go), SOAK_HOSTILE (0.05), SOAK_RETRY (0.05),
// SOAK_FAULT_SECONDS (0 skips phase 2), SOAK_FAULT_EVERY (5 = 20%), SOAK_RSS_LIMIT_MB (20),
// SOAK_QUICK=1 (correctness only: memory, FD-under-load and timing criteria reported, not judged),
// SOAK_JSON=<file> (the results as JSON), SOAK_KEEP=1 (keep the scratch directory with the logs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultKinds } from './fault.mjs';
import { startFaultProvider, SOAK_TULING_KEY } from './fault-provider.mjs';
import { drive, percentile, Stats } from './load.mjs';
import { createMix } from './mix.mjs';
import { collected, countFds, cpuMs, median, readRssKb, slope, startSampler } from './probe.mjs';
import { mb, ms, statuses, table } from './report.mjs';
import { scanLog, startServe } from './server.mjs';
import { newAccount } from './traffic.mjs';

function knob(name, fallback, { min = 0, max = Infinity } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`soak: ${name} must be a number from ${min} to ${max}, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}

const SECONDS = knob('SOAK_SECONDS', 60, { min: 1 });
// The server keeps every message id (and its reply, for retries) for 60 s (protocol.md §5.4): memory
// rises by design for the first minute of any load. The warm-up outlasts that window, so growth
// measured afterwards is growth the server cannot explain.
const DEDUPE_TTL_S = 60;
// The dedupe window plus 30 s for V8 to size its heap to it (measured: flat after ~90 s at 1000 req/s).
const WARMUP = knob('SOAK_WARMUP', DEDUPE_TTL_S + 30);
const CONNECTIONS = knob('SOAK_CONNECTIONS', 50, { min: 1, max: 1000 });
// A steady rate keeps what the server legitimately holds (the dedupe window: rate × 60 s entries) the
// same at both memory readings; a saturating run's rate follows whatever else the machine does.
const RATE = knob('SOAK_RATE', 1000);
const HOSTILE = knob('SOAK_HOSTILE', 0.05, { max: 1 });
const RETRY = knob('SOAK_RETRY', 0.05, { max: 1 });
const FAULT_SECONDS = knob('SOAK_FAULT_SECONDS', 20);
const FAULT_EVERY = knob('SOAK_FAULT_EVERY', 5, { min: 1 });
const RSS_LIMIT_MB = knob('SOAK_RSS_LIMIT_MB', 20);
const QUICK = /^(1|true|yes|on)$/i.test(process.env.SOAK_QUICK ?? '');
// After the client closes its connections, before FDs are counted again.
const SETTLE_MS = QUICK ? 1000 : 3000;
// The server's defaults (serve --deadline, WXBOT_CHAT_BUDGET_MS): not overridden here.
const DEADLINE_MS = 4500;
const WECHAT_LIMIT_MS = 5000;
const WINDOW = 5; // samples (seconds) per median

const HERE = dirname(fileURLToPath(import.meta.url));
const account = newAccount();
const scratch = mkdtempSync(join(tmpdir(), 'wxbot-soak-'));
const serverEnv = { WECHAT_TOKEN: account.token, WECHAT_AES_KEY: account.aesKey, WECHAT_APP_ID: account.appId };
const verdicts = [];
const judge = (phase, criterion, value, pass, judged = true) =>
  verdicts.push({ phase, criterion, value, pass: judged ? pass : null });
const say = (s = '') => process.stdout.write(`${s}\n`);
const progress = (s) => process.stderr.write(`soak: ${s}\n`);

/** Medians of RSS/FDs over the WINDOW samples before index `at`. */
function windowAt(samples, at) {
  const w = samples.slice(Math.max(0, at - WINDOW), at);
  return {
    rssKb: median(w.map((s) => s.rssKb)),
    fds: median(w.map((s) => s.fds)),
    conns: median(w.map((s) => s.conns)),
    fdsNet: median(w.map((s) => s.fds - s.conns)),
  };
}

function kindRows(stats) {
  const order = { valid: 0, retry: 1, hostile: 2 };
  return [...stats.kinds.values()]
    .sort((a, b) => order[a.category] - order[b.category] || a.name.localeCompare(b.name))
    .map((k) => [k.name, k.category, k.n, k.ok, k.errors, statuses(k.statuses), ms(k.maxMs)]);
}

function kindsJson(stats) {
  return [...stats.kinds.values()].map((k) => ({
    name: k.name,
    category: k.category,
    n: k.n,
    ok: k.ok,
    errors: k.errors,
    statuses: Object.fromEntries(k.statuses),
  }));
}

function latencyLine(stats, category) {
  const l = stats.latencies[category].sort((a, b) => a - b);
  return { n: l.length, p50: percentile(l, 50), p99: percentile(l, 99), max: l.length ? l[l.length - 1] : NaN };
}

async function mixedPhase() {
  progress(`phase 1: ${WARMUP} s warm-up + ${SECONDS} s measured of mixed traffic at ${CONNECTIONS} connections…`);
  const gcFile = join(scratch, 'gc.json');
  const server = await startServe({
    cwd: scratch,
    env: { ...serverEnv, WXBOT_CHAT_PROVIDER: 'none', SOAK_GC_FILE: gcFile },
    logPath: join(scratch, 'mixed.log'),
    nodeArgs: ['--expose-gc', '--require', join(HERE, 'gc-probe.cjs')],
  });
  const pid = server.pid;
  await sleep(1000);
  const idleBefore = { rssKb: readRssKb(pid), fds: countFds(pid) };
  const sampler = startSampler(pid);
  const stats = new Stats();
  const mix = createMix({
    account,
    hostileRate: HOSTILE,
    retryRate: RETRY,
    limitMs: QUICK ? Infinity : WECHAT_LIMIT_MS,
  });
  const cpu0 = cpuMs(pid);
  // Memory is taken under load, right after a full collection, when the warm-up ends and 1 s before the load does.
  let atWarm;
  let atEnd;
  const warmTimer = setTimeout(() => {
    sampler.mark('warm');
    atWarm = collected(pid, gcFile);
  }, WARMUP * 1000);
  const endTimer = setTimeout(() => (atEnd = collected(pid, gcFile)), (WARMUP + SECONDS - 1) * 1000);
  const run = await drive({
    origin: server.origin,
    connections: CONNECTIONS,
    seconds: WARMUP + SECONDS,
    rate: RATE,
    next: mix.next,
    makeWorker: mix.makeWorker,
    stats,
    onCounters: (c) => (sampler.openConnections = () => c.open),
  });
  clearTimeout(warmTimer);
  clearTimeout(endTimer);
  sampler.mark('end');
  const gcWarm = await atWarm;
  const gcEnd = await atEnd;
  const cpu = cpuMs(pid) - cpu0;
  await run.close();
  await sleep(SETTLE_MS);
  const idleAfter = { rssKb: readRssKb(pid), fds: countFds(pid) };
  sampler.stop();
  const stop = await server.stop();
  const log = await scanLog(server.logPath);

  const { samples, marks } = sampler;
  const warmAt = marks.warm ?? WINDOW;
  const warm = windowAt(samples, warmAt);
  const end = windowAt(samples, marks.end);
  const measured = samples.slice(warmAt, marks.end).map((s) => [(s.at - samples[0].at) / 60_000, s.rssKb / 1024]);
  const timeline = samples.filter((_, i) => i % 5 === 0).map((s) => Math.round(s.rssKb / 1024));
  // Without the probe's answer (it should not happen), the unforced medians are the fallback.
  const rssGrowthKb = gcWarm && gcEnd ? gcEnd.rssKb - gcWarm.rssKb : end.rssKb - warm.rssKb;
  if (!gcWarm || !gcEnd) progress('the GC probe did not answer: memory growth is from unforced samples');
  return {
    gcWarm,
    gcEnd,
    rssGrowthKb,
    timeline,
    server,
    stats,
    run,
    cpu,
    idleBefore,
    idleAfter,
    warm,
    end,
    peakKb: Math.max(...samples.map((s) => s.rssKb)),
    slopeMbPerMin: slope(measured),
    stop,
    log,
    samples: samples.length,
  };
}

function reportMixed(r) {
  const { stats } = r;
  const valid = stats.totals('valid');
  const retry = stats.totals('retry');
  const hostile = stats.totals('hostile');
  const total = valid.n + retry.n + hostile.n;
  const lv = latencyLine(stats, 'valid');
  const lr = latencyLine(stats, 'retry');
  say(
    `\n== Phase 1: mixed traffic — wxbot serve (one server, EncodingAESKey set: plaintext, compatible and safe requests; demo bot; history on; JSON request log) ==`,
  );
  say(
    `${WARMUP} s warm-up + ${SECONDS} s measured, ${CONNECTIONS} keep-alive connections, ${RATE ? `${RATE} req/s` : 'as fast as they go'}, ${(HOSTILE * 100).toFixed(0)}% hostile, ${(RETRY * 100).toFixed(0)}% retries`,
  );
  say(
    `Memory: VmRSS of the server, under load, right after a full GC (node --expose-gc and a SIGUSR2 hook preloaded, test/soak/gc-probe.cjs),`,
  );
  say(
    `at the end of the warm-up and 1 s before the end; growth = end - warm-up. Without a GC, VmRSS mostly shows how far V8 lets garbage`,
  );
  say(
    `pile up (reported too, sampled every second). The retry-dedupe store keeps every MsgId and its reply for ${DEDUPE_TTL_S} s by design: ${
      WARMUP >= DEDUPE_TTL_S
        ? `the ${WARMUP} s warm-up outlasts its filling,`
        : `this ${WARMUP} s warm-up is shorter, so growth includes its filling;`
    }`,
  );
  say(`errors count over the whole run.\n`);
  say(table(['kind', 'category', 'sent', 'ok', 'errors', 'statuses', 'max'], kindRows(stats)));
  if (stats.samples.length) say(`\nFirst problems:\n  ${stats.samples.slice(0, 15).join('\n  ')}`);
  const rps = total / (r.run.elapsedMs / 1000);
  say('');
  say(
    table(
      ['measure', 'value'],
      [
        ['requests', `${total} (valid ${valid.n}, retries ${retry.n}, hostile ${hostile.n})`],
        [
          'throughput',
          `${Math.round(rps)} req/s overall (${RATE ? `target ${RATE}` : 'unpaced'}); warm-up ${Math.round(stats.rate(0, WARMUP))}, measured ${Math.round(stats.rate(WARMUP, WARMUP + SECONDS))}`,
        ],
        ['latency, valid (p50 / p99 / max)', `${ms(lv.p50)} / ${ms(lv.p99)} / ${ms(lv.max)}`],
        ['latency, retries (p50 / p99 / max)', `${ms(lr.p50)} / ${ms(lr.p99)} / ${ms(lr.max)}`],
        ['server CPU', `${(r.cpu / 1000).toFixed(1)} s (${Math.round((r.cpu / r.run.elapsedMs) * 100)}% of one core)`],
        [
          'connections opened by the client',
          `${r.run.counters.connects} (${CONNECTIONS} + one per 413 that closed its connection)`,
        ],
        ['VmRSS idle, before load', mb(r.idleBefore.rssKb)],
        ['VmRSS after GC at warm-up end / end', `${mb(r.gcWarm?.rssKb)} / ${mb(r.gcEnd?.rssKb)}`],
        ['VmRSS growth after warm-up (after GC)', mb(r.rssGrowthKb)],
        ['V8 heap used after GC at warm-up end / end', `${mb(r.gcWarm?.heapUsedKb)} / ${mb(r.gcEnd?.heapUsedKb)}`],
        [`VmRSS without GC: warm-up end / end (medians of ${WINDOW} s)`, `${mb(r.warm.rssKb)} / ${mb(r.end.rssKb)}`],
        ['VmRSS without GC: trend after warm-up', `${r.slopeMbPerMin.toFixed(1)} MB/min`],
        ['VmRSS without GC, every 5 s (MB)', r.timeline.join(' ')],
        ['VmRSS peak / idle after load', `${mb(r.peakKb)} / ${mb(r.idleAfter.rssKb)}`],
        [
          `open FDs idle before load / after (clients closed, ${SETTLE_MS / 1000} s)`,
          `${r.idleBefore.fds} / ${r.idleAfter.fds}`,
        ],
        [
          'open FDs under load at warm-up end / end (medians)',
          `${r.warm.fds} / ${r.end.fds} with ${r.warm.conns} / ${r.end.conns} client connections open: ${r.warm.fdsNet} / ${r.end.fdsNet} besides them`,
        ],
        [
          'server log',
          `${r.log.requests} requests, ${r.log.serverErrors} 5xx, ${[...r.log.errors.values()].reduce((a, b) => a + b, 0)} error records, ${r.log.dedupe} dedupe hits`,
        ],
        ['shutdown (SIGTERM)', `exit ${r.stop.code ?? r.stop.signal} after ${r.stop.ms} ms`],
      ],
    ),
  );
  if (r.log.errorSamples.length) say(`\nServer error records:\n  ${r.log.errorSamples.join('\n  ')}`);

  judge(
    'mixed',
    'valid requests (and retries): zero errors',
    `${valid.ok + retry.ok} ok, ${valid.errors + retry.errors} errors`,
    valid.errors + retry.errors === 0 && valid.n > 0,
  );
  judge(
    'mixed',
    'hostile requests: documented 4xx each',
    `${hostile.ok} ok, ${hostile.errors} wrong`,
    hostile.errors === 0 && (HOSTILE === 0 || hostile.n > 0),
  );
  judge(
    'mixed',
    'server: no 5xx, no error records',
    `${r.log.serverErrors} 5xx, ${r.log.errors.size} kinds of error`,
    r.log.serverErrors === 0 && r.log.errors.size === 0,
  );
  const clientStatuses = new Map();
  for (const k of stats.kinds.values())
    for (const [s, n] of k.statuses) clientStatuses.set(s, (clientStatuses.get(s) ?? 0) + n);
  if (r.log.requests !== total)
    say(
      `\nStatuses seen by the client: ${statuses(clientStatuses)}\nStatuses in the server log:  ${statuses(r.log.byStatus)}`,
    );
  // Wrong-path 404s are logged too (a wrong console URL must leave a trace).
  judge(
    'mixed',
    'server logged every request',
    `${r.log.requests} of ${total}`,
    r.log.requests === total && r.log.unparsable === 0,
  );
  judge(
    'mixed',
    `VmRSS growth after warm-up < ${RSS_LIMIT_MB} MB (after GC)`,
    mb(r.rssGrowthKb),
    r.rssGrowthKb < RSS_LIMIT_MB * 1024,
    !QUICK,
  );
  // A connection closing (413) or opening at sampling time can be seen by one side only: slack of 2.
  judge(
    'mixed',
    'no FD growth under load (beyond open connections)',
    `${r.warm.fdsNet} → ${r.end.fdsNet}`,
    r.end.fdsNet <= r.warm.fdsNet + 2,
    !QUICK,
  );
  judge(
    'mixed',
    'no FD growth once idle (after ≤ before)',
    `${r.idleBefore.fds} → ${r.idleAfter.fds}`,
    r.idleAfter.fds <= r.idleBefore.fds,
  );
  judge('mixed', 'clean shutdown', `exit ${r.stop.code ?? r.stop.signal}`, r.stop.code === 0);
  return { total, rps, latency: { valid: lv, retry: lr }, valid, retry, hostile, kinds: kindsJson(stats) };
}

async function faultPhase() {
  progress(`phase 2: ${FAULT_SECONDS} s of chat traffic, the provider timing out on 1 call in ${FAULT_EVERY}…`);
  const provider = await startFaultProvider({ faultEvery: FAULT_EVERY });
  let server;
  try {
    server = await startServe({
      cwd: scratch,
      // The fallback within WeChat's 5 s is the `off` strategy's answer (a 3.5 s provider budget); the
      // retry window, which holds deliveries instead, has its own tests (test/scale/slow-*.test.ts).
      env: {
        ...serverEnv,
        WXBOT_CHAT_PROVIDER: 'tuling',
        TULING_KEY: SOAK_TULING_KEY,
        TULING_API_URL: provider.url,
        WXBOT_SLOW_REPLIES: 'off',
      },
      logPath: join(scratch, 'fault.log'),
    });
    const stats = new Stats();
    const mix = createMix({
      account,
      kinds: faultKinds(account, provider),
      hostileRate: 0,
      retryRate: 0.1,
      limitMs: QUICK ? Infinity : WECHAT_LIMIT_MS,
    });
    const run = await drive({
      origin: server.origin,
      connections: CONNECTIONS,
      seconds: FAULT_SECONDS,
      next: mix.next,
      makeWorker: mix.makeWorker,
      stats,
    });
    await run.close();
    const stop = await server.stop();
    const log = await scanLog(server.logPath);
    return { stats, run, stop, log, counts: { ...provider.counts } };
  } finally {
    await provider.close();
  }
}

function reportFault(r) {
  const { stats, counts } = r;
  const valid = stats.totals('valid');
  const retry = stats.totals('retry');
  const all = [...stats.latencies.valid, ...stats.latencies.retry].sort((a, b) => a - b);
  const maxMs = all.length ? all[all.length - 1] : NaN;
  const faults = counts.hang + counts.late + counts.stall;
  const logged = r.log.errors.get('ChatProvider') ?? 0;
  say(
    `\n== Phase 2: chat provider faults — wxbot serve with WXBOT_CHAT_PROVIDER=tuling against a local fake that times out on 1 call in ${FAULT_EVERY} ==`,
  );
  say(
    `${FAULT_SECONDS} s, ${CONNECTIONS} connections, text and recognised voice for the provider, 10% retries; reply budget 3.5 s, deadline ${DEADLINE_MS} ms (defaults)\n`,
  );
  say(table(['kind', 'category', 'sent', 'ok', 'errors', 'statuses', 'max'], kindRows(stats)));
  if (stats.samples.length) say(`\nFirst problems:\n  ${stats.samples.slice(0, 15).join('\n  ')}`);
  say('');
  say(
    table(
      ['measure', 'value'],
      [
        [
          'provider calls',
          `${counts.calls}: answered ${counts.ok}, hung ${counts.hang}, late ${counts.late}, stalled ${counts.stall} (${((faults / Math.max(1, counts.calls)) * 100).toFixed(1)}% faults); ${counts.invalid} invalid requests`,
        ],
        [
          'latency, all replies (p50 / p99 / max)',
          `${ms(percentile(all, 50))} / ${ms(percentile(all, 99))} / ${ms(maxMs)}`,
        ],
        [
          'server log',
          `${r.log.requests} requests, ${r.log.serverErrors} 5xx, ${r.log.late} late ("success" after the deadline), ${logged} provider failures logged`,
        ],
        ['shutdown (SIGTERM)', `exit ${r.stop.code ?? r.stop.signal} after ${r.stop.ms} ms`],
      ],
    ),
  );
  const other = [...r.log.errors.entries()].filter(([name]) => name !== 'ChatProvider');
  judge(
    'faults',
    "every reply 200 with the provider's answer or the fallback",
    `${valid.ok + retry.ok} ok, ${valid.errors + retry.errors} errors`,
    valid.errors + retry.errors === 0 && valid.n > 0,
  );
  judge(
    'faults',
    `every reply inside the ${DEADLINE_MS} ms deadline`,
    `max ${ms(maxMs)}`,
    maxMs <= DEADLINE_MS,
    !QUICK,
  );
  judge(
    'faults',
    'no late "success", no 5xx, no other errors',
    `${r.log.late} late, ${r.log.serverErrors} 5xx, ${other.length} other`,
    r.log.late === 0 && r.log.serverErrors === 0 && other.length === 0,
  );
  judge(
    'faults',
    'one provider call per message (retries share it)',
    `${counts.calls} calls for ${valid.n} messages`,
    counts.calls === valid.n && counts.invalid === 0,
  );
  judge(
    'faults',
    `provider faults really happened (~1 in ${FAULT_EVERY})`,
    `${faults} of ${counts.calls}`,
    faults > 0 || FAULT_EVERY > counts.calls,
  );
  judge('faults', 'each fault logged once', `${logged} logged, ${faults} faults`, logged === faults);
  judge('faults', 'clean shutdown', `exit ${r.stop.code ?? r.stop.signal}`, r.stop.code === 0);
  return {
    calls: counts,
    maxMs,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    valid,
    retry,
    kinds: kindsJson(stats),
  };
}

let exitCode = 1;
try {
  const mixed = reportMixed(await mixedPhase());
  const fault = FAULT_SECONDS > 0 ? reportFault(await faultPhase()) : undefined;
  say(`\n== Verdict${QUICK ? ' (SOAK_QUICK: memory and timing criteria reported, not judged)' : ''} ==\n`);
  say(
    table(
      ['phase', 'criterion', 'value', 'verdict'],
      verdicts.map((v) => [v.phase, v.criterion, v.value, v.pass === null ? 'skipped' : v.pass ? 'PASS' : 'FAIL']),
    ),
  );
  const failed = verdicts.filter((v) => v.pass === false);
  say(`\n${failed.length === 0 ? 'PASS' : `FAIL (${failed.length} criteria)`}`);
  if (process.env.SOAK_JSON)
    writeFileSync(process.env.SOAK_JSON, JSON.stringify({ quick: QUICK, verdicts, mixed, fault }, null, 2));
  exitCode = failed.length === 0 ? 0 : 1;
} catch (err) {
  process.stderr.write(`soak: ${err.stack ?? err}\n`);
} finally {
  if (/^(1|true|yes|on)$/i.test(process.env.SOAK_KEEP ?? '')) progress(`logs kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
