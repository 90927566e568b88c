// Held deliveries against fast requests (issue #21): a server with the retry window holds 1,000
// deliveries of slow messages (connections open, handlers running, nothing answered) while fast
// messages are sent in closed loop. Prints the fast requests' throughput and latency without and with
// the held ones, and the server's CPU while it only holds them.
//   flock /tmp/wxbot-load.lock node test/bench/held.mjs [held=1000] [seconds=5]
// Loopback only; bounded in count and time; stops by itself.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { closedLoop } from './closed-loop.mjs';
import { cpuMs } from './machine.mjs';
import { ENV, requestPool, TOKEN } from './requests.mjs';
import { createHash } from 'node:crypto';

const HELD = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha1 = (...p) => createHash('sha1').update(p.sort().join('')).digest('hex');

const child = spawn(process.execPath, [new URL('./held-server.mjs', import.meta.url).pathname], {
  env: ENV,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));

function holdOne(i) {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = String(900000 + i);
  const xml = `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oHeld${i}]]></FromUserName><CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[slow ${i}]]></Content><MsgId>${7_000_000_000 + i}</MsgId></xml>`;
  const path = `/wechat?signature=${sha1(TOKEN, ts, nonce)}&timestamp=${ts}&nonce=${nonce}`;
  const req = request({
    port,
    host: '127.0.0.1',
    path,
    method: 'POST',
    agent: false,
    headers: { 'content-length': Buffer.byteLength(xml) },
  });
  let answered = false;
  req.on('response', () => (answered = true));
  req.on('error', () => {});
  req.end(xml);
  return { req, answered: () => answered };
}

const cpuPerSecond = async (ms) => {
  const a = cpuMs(child.pid);
  await sleep(ms);
  return ((cpuMs(child.pid) - a) / ms) * 1000;
};
const fast = (start) =>
  closedLoop({ port, pool: requestPool('/wechat', 'plain', 200_000), connections: 8, seconds: SECONDS, start });
const row = (name, r) =>
  console.log(
    `${name.padEnd(28)} ${String(Math.round(r.rps)).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(1)} ms  errors ${r.errors}`,
  );

try {
  await fast(0); // warm-up
  const idle = await cpuPerSecond(3000);
  const before = await fast(0);
  const held = Array.from({ length: HELD }, (_, i) => holdOne(i));
  await sleep(1500); // past the 300 ms deadline: every one is held now
  const settling = await cpuPerSecond(3000);
  const holding = await cpuPerSecond(3000);
  const withHeld = await fast(0);
  const stillHeld = held.filter((h) => !h.answered() && !h.req.destroyed).length;
  console.log(`held deliveries: ${stillHeld} of ${HELD} still held after the run`);
  console.log(
    `server CPU idle: ${idle.toFixed(1)} ms/s; holding ${HELD}: ${settling.toFixed(1)} ms/s in the first 3 s (collecting the burst), ${holding.toFixed(1)} ms/s after`,
  );
  row('fast, nothing held', before);
  row(`fast, ${HELD} held`, withHeld);
  console.log(`throughput with held / without: ${(withHeld.rps / before.rps).toFixed(2)}`);
  for (const h of held) h.req.destroy();
} finally {
  child.kill('SIGTERM');
}
