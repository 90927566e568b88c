// `node test/soak/bounds.mjs`: the real `wxbot serve` (a child process with gc-probe.cjs) against
// senders that try to decide how much memory it keeps (docs/deploy/limits.md). Run `npm run build` first.
//
// Phase 1, huge MsgIds: BOUNDS_SECONDS (60) of signed plaintext pushes whose MsgId is 128 KB of
// digits. Criteria: every answer 400; VmRSS after a full GC within 100 MB of idle.
// Phase 2, huge texts with the history on: BOUNDS_TEXT_SECONDS (30) of 900 KB texts (the demo bot
// echoes them), then the 60 s retry window plus 5 s of quiet. Criteria: every answer 200; heap after
// a full GC within 50 MB of idle.
// Phase 3, many users: BOUNDS_USERS (500000) distinct users, each message reading and writing its
// session, with WXBOT_MEMORY_MAX_ENTRIES (BOUNDS_MAX_ENTRIES, 100000). Criteria: the first user's
// session was evicted (its next message counts from 1 again); heap after a full GC reported.
//
// BOUNDS_QUICK=1 checks the answers only (memory reported, not judged); BOUNDS_PHASES=1,3 picks
// phases; BOUNDS_CONNECTIONS (16); BOUNDS_JSON=<file> writes the figures.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import * as wx from '../../dist/index.js';
import { collected, readRssKb } from './probe.mjs';
import { ROOT, startServe } from './server.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const num = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`bounds: ${name} must be a number, got "${v}"\n`);
    process.exit(2);
  }
  return n;
};
const QUICK = process.env.BOUNDS_QUICK === '1';
const SECONDS = num('BOUNDS_SECONDS', 60);
const TEXT_SECONDS = num('BOUNDS_TEXT_SECONDS', 30);
const USERS = num('BOUNDS_USERS', 500_000);
const MAX_ENTRIES = num('BOUNDS_MAX_ENTRIES', 100_000);
const CONNECTIONS = num('BOUNDS_CONNECTIONS', 16);
const QUIET_MS = num('BOUNDS_QUIET_MS', 65_000);
const PHASES = new Set((process.env.BOUNDS_PHASES ?? '1,2,3').split(',').map(Number));
const TOKEN = wx.generateToken(24);
const MB = 1024 * 1024;

const scratch = mkdtempSync(join(tmpdir(), 'wxbot-bounds-'));
const progress = (s) => process.stderr.write(`bounds: ${s}\n`);
const results = { quick: QUICK, phases: [] };
let failed = false;

/** A full collection in the server (SIGUSR2 to gc-probe.cjs), then its RSS and heap in MB. */
async function collectedMb(pid, gcFile) {
  const m = await collected(pid, gcFile, 10_000);
  if (!m) throw new Error('the server did not answer the GC probe');
  return { rssMb: m.rssKb / 1024, heapMb: m.heapUsedKb / 1024 };
}

async function serve(name, args, env = {}) {
  const gcFile = join(scratch, `${name}.gc.json`);
  const server = await startServe({
    cwd: scratch,
    env: { WECHAT_TOKEN: TOKEN, WXBOT_CHAT_PROVIDER: 'none', SOAK_GC_FILE: gcFile, ...env },
    args,
    logPath: join(scratch, `${name}.log`),
    nodeArgs: ['--expose-gc', '--require', join(HERE, 'gc-probe.cjs')],
  });
  await sleep(500);
  return { server, gc: () => collectedMb(server.pid, gcFile) };
}

/** `connections` workers sending `next(i)` until `until()` is false; counts statuses. */
async function load(origin, connections, until, next, check) {
  const pool = new Pool(origin, { connections, pipelining: 1, bodyTimeout: 30_000, headersTimeout: 30_000 });
  const statuses = new Map();
  let sent = 0;
  let wrong = 0;
  const worker = async () => {
    while (until(sent)) {
      const req = next(sent++);
      const res = await pool.request({
        method: 'POST',
        path: req.url,
        body: req.body,
        headers: { 'content-type': 'text/xml' },
      });
      const body = await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (check && !check(res.statusCode, body, req)) wrong++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await pool.close();
  return { sent, wrong, statuses: Object.fromEntries(statuses) };
}

function verdict(phase, criterion, value, pass) {
  const shown = pass === null ? 'reported' : pass ? 'pass' : 'FAIL';
  if (pass === false) failed = true;
  phase.verdicts.push({ criterion, value, pass });
  progress(`  ${shown.padEnd(8)} ${criterion}: ${value}`);
}

const text = (content, from, msgId) => ({
  ToUserName: 'gh_123456789abc',
  FromUserName: from,
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: 'text',
  Content: content,
  MsgId: msgId,
});
const plainPush = (message) => wx.buildPushRequest('/wechat', message, { token: TOKEN, mode: 'plain' });
let msgSeq = 7_000_000_000_000_000_000n;
const nextMsgId = () => String(++msgSeq);

async function hugeMsgIds() {
  const phase = { name: 'huge MsgIds', verdicts: [] };
  results.phases.push(phase);
  progress(`phase 1: ${SECONDS} s of 128 KB MsgIds…`);
  const { server, gc } = await serve('msgid', []);
  try {
    const idle = await gc();
    const id = '9'.repeat(128 * 1024);
    const end = Date.now() + SECONDS * 1000;
    let peakMb = 0;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, readRssKb(server.pid) / 1024)), 500);
    const r = await load(
      server.origin,
      CONNECTIONS,
      () => Date.now() < end,
      () => plainPush(text('hi', 'oBoundsUser000000000000000000', id)),
      (status) => status === 400,
    );
    clearInterval(sampler);
    const after = await gc();
    phase.figures = {
      requests: r.sent,
      statuses: r.statuses,
      idleRssMb: idle.rssMb,
      peakRssMb: peakMb,
      afterRssMb: after.rssMb,
    };
    verdict(
      phase,
      'every answer 400',
      `${r.sent - r.wrong}/${r.sent} (${JSON.stringify(r.statuses)})`,
      r.wrong === 0 && r.sent > 0,
    );
    const growth = after.rssMb - idle.rssMb;
    verdict(
      phase,
      'RSS after GC within 100 MB of idle',
      `idle ${idle.rssMb.toFixed(0)} MB, after ${after.rssMb.toFixed(0)} MB (+${growth.toFixed(0)}), peak ${peakMb.toFixed(0)} MB`,
      QUICK ? null : growth <= 100,
    );
  } finally {
    await server.stop();
  }
}

async function hugeTexts() {
  const phase = { name: 'huge texts, history on', verdicts: [] };
  results.phases.push(phase);
  progress(`phase 2: ${TEXT_SECONDS} s of 900 KB texts with the history on, then ${QUIET_MS / 1000} s of quiet…`);
  const { server, gc } = await serve('text', []);
  try {
    const idle = await gc();
    const content = 'x'.repeat(900 * 1024);
    const end = Date.now() + TEXT_SECONDS * 1000;
    const r = await load(
      server.origin,
      Math.min(CONNECTIONS, 4),
      () => Date.now() < end,
      () => plainPush(text(content, 'oBoundsUser000000000000000000', nextMsgId())),
      (status, body) => status === 200 && body.includes(content.slice(0, 1000)),
    );
    const loaded = await gc();
    await sleep(QUIET_MS);
    const after = await gc();
    // The history is written behind the requests (within 500 ms).
    await sleep(1000);
    const history = readFileSync(join(scratch, '.wxbot', 'history.ndjson'), 'utf8');
    phase.figures = {
      requests: r.sent,
      statuses: r.statuses,
      idleHeapMb: idle.heapMb,
      loadedHeapMb: loaded.heapMb,
      afterHeapMb: after.heapMb,
      historyFileMb: history.length / MB,
    };
    verdict(phase, 'every answer 200 with the echo', `${r.sent - r.wrong}/${r.sent}`, r.wrong === 0 && r.sent > 0);
    verdict(
      phase,
      'history entries cut with a marker',
      `${(history.length / MB).toFixed(1)} MB file`,
      history.includes('…[truncated: 921600 characters in all]'),
    );
    const growth = after.heapMb - idle.heapMb;
    verdict(
      phase,
      'heap after quiet and GC within 50 MB of idle',
      `idle ${idle.heapMb.toFixed(0)} MB, right after the load ${loaded.heapMb.toFixed(0)} MB, after ${after.heapMb.toFixed(0)} MB (+${growth.toFixed(0)})`,
      QUICK ? null : growth <= 50,
    );
  } finally {
    await server.stop();
  }
}

async function manyUsers() {
  const phase = { name: 'many users', verdicts: [] };
  results.phases.push(phase);
  progress(`phase 3: ${USERS} distinct users with sessions, WXBOT_MEMORY_MAX_ENTRIES=${MAX_ENTRIES}…`);
  const bot = join(scratch, 'session-bot.mjs');
  writeFileSync(
    bot,
    `import { createBot } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)};
export default createBot().fallback(async (ctx) => {
  const n = ((await ctx.session.get())?.n ?? 0) + 1;
  await ctx.session.set({ n });
  return 'n=' + n;
});
`,
  );
  const { server, gc } = await serve('users', [bot, '--no-history'], { WXBOT_MEMORY_MAX_ENTRIES: String(MAX_ENTRIES) });
  const user = (i) => `oBounds${String(i).padStart(21, '0')}`;
  try {
    const idle = await gc();
    const t0 = Date.now();
    const r = await load(
      server.origin,
      CONNECTIONS,
      (sent) => sent < USERS,
      (i) => plainPush(text('count', user(i), nextMsgId())),
      (status, body) => status === 200 && body.includes('n=1'),
    );
    const seconds = (Date.now() - t0) / 1000;
    const after = await gc();
    // The first user's session is long gone (least recently used); the last one's is kept.
    const again = async (i) => {
      const p = plainPush(text('count', user(i), nextMsgId()));
      const res = await fetch(`${server.origin}${p.url}`, { method: 'POST', body: p.body });
      return res.text();
    };
    const first = USERS > MAX_ENTRIES ? await again(0) : '';
    const last = await again(USERS - 1);
    phase.figures = {
      users: r.sent,
      seconds,
      rate: r.sent / seconds,
      maxEntries: MAX_ENTRIES,
      idleHeapMb: idle.heapMb,
      afterHeapMb: after.heapMb,
      afterRssMb: after.rssMb,
    };
    verdict(
      phase,
      'every user answered n=1',
      `${r.sent - r.wrong}/${r.sent} in ${seconds.toFixed(0)} s`,
      r.wrong === 0,
    );
    verdict(
      phase,
      'the store is capped: the first user was evicted, the last kept',
      `first user again: ${/n=(\d+)/.exec(first)?.[0] ?? '(not over the cap)'}, last user again: ${/n=(\d+)/.exec(last)?.[0]}`,
      (USERS <= MAX_ENTRIES || first.includes('n=1]')) && last.includes('n=2]'),
    );
    verdict(
      phase,
      'heap after GC',
      `idle ${idle.heapMb.toFixed(0)} MB, after ${USERS} users ${after.heapMb.toFixed(0)} MB (+${(after.heapMb - idle.heapMb).toFixed(0)}), RSS ${after.rssMb.toFixed(0)} MB`,
      null,
    );
  } finally {
    await server.stop();
  }
}

try {
  if (PHASES.has(1)) await hugeMsgIds();
  if (PHASES.has(2)) await hugeTexts();
  if (PHASES.has(3)) await manyUsers();
} catch (err) {
  failed = true;
  progress(`failed: ${err.stack ?? err}`);
} finally {
  if (process.env.BOUNDS_JSON) writeFileSync(process.env.BOUNDS_JSON, JSON.stringify(results, null, 2));
  rmSync(scratch, { recursive: true, force: true });
}
progress(failed ? 'FAILED' : 'all criteria met');
process.exit(failed ? 1 : 0);
