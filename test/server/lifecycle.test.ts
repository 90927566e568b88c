import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import type { ReplyBody } from '../../src/protocol/replies.js';
import { startServer } from '../../src/server/start.js';
import type { Exchange } from '../../src/server/types.js';
import { ACCOUNT, buildPush, decode, http, push, textXml, type Mode } from './client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opts = { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey, host: '127.0.0.1', port: 0 };

test('a slow handler: success before the deadline, then the late hook gets the reply', async (t) => {
  const late: { message: WechatMessage; reply: ReplyBody }[] = [];
  const bot = createBot().fallback(async () => {
    await sleep(600);
    return 'finally';
  });
  const s = await startServer(bot, {
    ...opts,
    deadlineMs: 100,
    onLateReply: (message, reply) => void late.push({ message, reply }),
  });
  t.after(() => s.close());
  const t0 = Date.now();
  const r = await push(s.url, textXml('slow', { msgId: '700' }), 'safe');
  assert.ok(Date.now() - t0 < 550, 'answered before the handler finished');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'success', 'success is never encrypted');
  assert.equal(late.length, 0);
  await s.handler.idle();
  assert.equal(late.length, 1);
  assert.deepEqual(late[0]!.reply, { MsgType: 'text', Content: 'finally' });
  assert.equal((late[0]!.message as { MsgId?: string }).MsgId, '700');
});

for (const mode of ['plain', 'safe'] as Mode[]) {
  test(`retries over HTTP (${mode}): concurrent and sequential deliveries get one handler run and the same reply`, async (t) => {
    let runs = 0;
    const bot = createBot().fallback(async (ctx) => {
      runs++;
      await sleep(150);
      return `run ${runs}: ${ctx.text}`;
    });
    const exchanges: Exchange[] = [];
    const s = await startServer(bot, { ...opts, onExchange: (x) => exchanges.push(x) });
    t.after(() => s.close());
    const xml = textXml('again', { msgId: mode === 'plain' ? '800' : '801' });
    // Each delivery is signed afresh (new timestamp/nonce), as WeChat's retries are.
    const concurrent = await Promise.all([push(s.url, xml, mode), push(s.url, xml, mode), push(s.url, xml, mode)]);
    const sequential = await push(s.url, xml, mode);
    assert.equal(runs, 1);
    for (const r of [...concurrent, sequential]) {
      assert.equal(r.status, 200);
      assert.equal(r.reply?.MsgType === 'text' && r.reply.Content, 'run 1: again');
    }
    assert.equal(exchanges.filter((x) => x.dedupe).length, 3);
  });
}

test('onExchange gets the raw request, the decrypted message and the raw and parsed reply', async (t) => {
  const exchanges: Exchange[] = [];
  const s = await startServer(
    createBot().text('hi', () => 'hello'),
    { ...opts, onExchange: (x) => exchanges.push(x) },
  );
  t.after(() => s.close());
  const p = buildPush(s.url, textXml('hi', { msgId: '900' }), 'compat');
  const raw = await http(p.url, { method: 'POST', body: p.body });
  decode(raw, 'compat');
  assert.equal(exchanges.length, 1);
  const x = exchanges[0]!;
  assert.equal(x.method, 'POST');
  assert.equal(x.path, '/wechat');
  assert.equal(x.mode, 'compat');
  assert.equal(x.status, 200);
  assert.equal(x.body, p.body);
  assert.equal(x.query.nonce, p.nonce);
  assert.ok(x.query.msg_signature);
  assert.equal((x.message as { Content?: string }).Content, 'hi');
  assert.equal(x.reply, raw.body);
  assert.equal(x.replyParsed?.MsgType, 'text');
  assert.equal(x.replyParsed?.ToUserName, 'oUserOpenId0000000000000000');
  assert.match(x.replyXml!, /<Content><!\[CDATA\[hello\]\]><\/Content>/);
  assert.equal(x.dedupe, false);
  assert.equal(typeof x.latencyMs, 'number');
  assert.ok(!Number.isNaN(Date.parse(x.time)));
});

test('graceful shutdown: stops accepting, finishes the request in flight, then resolves', async () => {
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  const bot = createBot().fallback(async () => {
    started();
    await sleep(300);
    return 'finished during shutdown';
  });
  const s = await startServer(bot, opts);
  const inflight = push(s.url, textXml('work'), 'plain');
  await inHandler;
  const closing = s.close();
  // New connections are refused once close() has begun.
  await assert.rejects(http(`${s.origin}/healthz`), /ECONNREFUSED/);
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(r.reply?.MsgType === 'text' && r.reply.Content, 'finished during shutdown');
  assert.equal(r.headers.connection, 'close');
  await closing;
  assert.equal(s.server.listening, false);
});

test('graceful shutdown: a /healthz already on its way over an open connection gets 503 shutting down', async () => {
  const s = await startServer(createBot(), opts);
  const socket = connect(s.port, '127.0.0.1');
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  const ended = new Promise((r) => socket.on('close', r));
  // Headers half sent: the connection is busy with a request, not idle, when the drain begins.
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  await sleep(100);
  const closing = s.close();
  await assert.rejects(http(`${s.origin}/healthz`), /ECONNREFUSED/);
  socket.write('\r\n');
  await ended;
  assert.match(answer, /^HTTP\/1\.1 503 /);
  assert.match(answer, /\r\nconnection: close\r\n/i);
  assert.match(answer, /\r\n\r\nshutting down\n$/);
  await closing;
});

test('graceful shutdown closes idle keep-alive connections instead of waiting for them', async () => {
  const s = await startServer(createBot(), { ...opts, keepAliveTimeoutMs: 60_000 });
  const agentReq = await fetch(`${s.origin}/healthz`); // undici keeps the socket alive
  assert.equal(agentReq.status, 200);
  await agentReq.text();
  const t0 = Date.now();
  await s.close();
  assert.ok(Date.now() - t0 < 2000, 'did not wait for the keep-alive timeout');
});

test('a request to another path is a 404 with a log line naming the webhook path; / and /healthz are not logged', async (t) => {
  const records: unknown[] = [];
  const s = await startServer(createBot(), { ...opts, path: '/wechat', onLog: (r) => records.push(r) });
  t.after(() => s.close());
  assert.equal((await http(`${s.origin}/wx?signature=1`)).status, 404);
  assert.equal((await http(`${s.origin}/healthz`)).status, 200);
  assert.equal((await http(`${s.origin}/`)).status, 200);
  assert.deepEqual(
    records.map((r) => {
      const x = r as { status: number; path: string; reason: string };
      return [x.status, x.path, x.reason];
    }),
    [[404, '/wx', 'not found: the webhook path is /wechat']],
  );
});
