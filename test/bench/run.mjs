// `npm run bench`: req/s and p99 of a signed text→text reply through `wxbot serve` and through
// createHandler, each against a bare node:http server measured in the same run (autocannon, loopback,
// 50 connections). Every request carries a unique MsgId so retry dedupe never short-cuts the work.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHash, createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONNECTIONS = 50;
const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const TOKEN = 'benchtoken0123456789';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP_ID = 'wx1234567890abcdef';
const ENV = { ...process.env, WECHAT_TOKEN: TOKEN, WECHAT_AES_KEY: AES_KEY, WECHAT_APP_ID: APP_ID, NO_COLOR: '1' };
for (const k of Object.keys(ENV)) if (/^(TULING_|OPENAI_|REDIS_URL)/.test(k)) delete ENV[k];

const sha1 = (...parts) => createHash('sha1').update(parts.sort().join('')).digest('hex');
const key = Buffer.from(`${AES_KEY}=`, 'base64');
function encrypt(xml) {
  const body = Buffer.from(xml);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), len, body, Buffer.from(APP_ID)]);
  const pad = 32 - (plain.length % 32);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), c.final()]).toString('base64');
}

let msgId = 7_000_000_000_000_000_000n;
// Pre-built so the load generator spends its CPU on sending, not on crypto.
function requestPool(path, mode, size) {
  const ts = String(Math.floor(Date.now() / 1000));
  const out = new Array(size);
  for (let i = 0; i < size; i++) {
    const nonce = String(100000 + i);
    const xml = `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oBenchUser${i % 1000}]]></FromUserName>` +
      `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今天过得怎么样 ${i}]]></Content><MsgId>${++msgId}</MsgId></xml>`;
    const q = `signature=${sha1(TOKEN, ts, nonce)}&timestamp=${ts}&nonce=${nonce}&openid=oBenchUser`;
    if (mode === 'plain') out[i] = { path: `${path}?${q}`, body: xml };
    else {
      const enc = encrypt(xml);
      out[i] = {
        path: `${path}?${q}&encrypt_type=aes&msg_signature=${sha1(TOKEN, ts, nonce, enc)}`,
        body: `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
      };
    }
  }
  return out;
}

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
async function measure(name, target, mode, poolSize) {
  const path = target.path ?? '/wechat';
  const pool = requestPool(path, mode, poolSize);
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
  ];
  const rounds = [];
  try {
    // The machine may be shared: every round measures the bare server right before the others and
    // each ratio is against that round's bare figure; the report gives the median of the rounds.
    for (let round = 0; round < ROUNDS; round++) {
      const bareRun = await measure('bare node:http', targets.bare, 'plain', 20_000);
      // Enough unique MsgIds for a server as fast as the bare one, so no request is a dedupe hit.
      const poolSize = Math.ceil(bareRun.rps * 1.2 * (DURATION + WARMUP));
      const runs = { 'bare node:http': bareRun };
      for (const [name, t, mode] of plan) runs[name] = await measure(name, targets[t], mode, poolSize);
      if (round === 0) {
        runs['serve+history (plain)'] = await measure('serve+history (plain)', targets.serveDev, 'plain', poolSize);
      }
      rounds.push(runs);
      process.stderr.write(`round ${round + 1}/${ROUNDS}: ${Object.entries(runs).map(([n, r]) => `${n} ${r.rps}`).join(', ')}\n`);
    }
  } finally {
    for (const t of [bare, handler, serve, serveDev]) t.child.kill('SIGTERM');
    setTimeout(() => rmSync(SCRATCH, { recursive: true, force: true }), 500);
  }
  const median = (xs) => {
    const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
    if (v.length === 0) return undefined;
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const target = { plain: 0.5, safe: 0.35 };
  const names = ['bare node:http', ...plan.map(([n]) => n), 'serve+history (plain)'];
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
      p99ok: p99 <= 10,
    };
  });
  process.stdout.write(`\n${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections; medians (per-round ratios in brackets)\n`);
  process.stdout.write(`${'target'.padEnd(24)} ${'req/s'.padStart(7)} ${'ratio'.padStart(6)} ${'rounds'.padEnd(17)} ${'p50'.padStart(4)} ${'p99'.padStart(4)} ${'µs CPU/req'.padStart(10)} ${'cpu ratio'.padStart(9)} errors  check\n`);
  for (const r of rows) {
    const isBare = r.name.startsWith('bare');
    process.stdout.write(`${r.name.padEnd(24)} ${String(r.rps).padStart(7)} ${r.ratio.toFixed(2).padStart(6)} ${(isBare ? '' : `[${r.ratios.join(' ')}]`).padEnd(17)} ${String(r.p50).padStart(4)} ${String(r.p99).padStart(4)} ${String(r.cpuUsPerReq === undefined ? '-' : r.cpuUsPerReq.toFixed(1)).padStart(10)} ${String(r.cpuRatio ?? '-').padStart(9)} ${String(r.errors).padStart(6)}  ${r.goal}${isBare ? '' : r.p99ok ? ' p99 ok' : ' p99 HIGH (> 10 ms)'}\n`);
  }
  process.stdout.write(`\n${JSON.stringify({ rounds: ROUNDS, seconds: DURATION, connections: CONNECTIONS, results: rows })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
