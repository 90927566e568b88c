/**
 * Over HTTP: a handler's bad return value is the handler's error (`success` and one error record,
 * or bot.catch's reply), not a 500; testBot sees the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import type { HandlerResult } from '../../src/bot/types.js';
import type { ReplyBody } from '../../src/protocol/replies.js';
import { startServer } from '../../src/server/start.js';
import type { LogRecord } from '../../src/server/types.js';
import { testBot } from '../../src/testing/test-bot.js';
import { ACCOUNT, push, replyText, textXml } from './client.js';

const opts = { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey, host: '127.0.0.1', port: 0 };
let msgId = 9_100_000;

const badBot = () =>
  createBot()
    .text('number', () => 42 as unknown as HandlerResult)
    .text('object', () => ({ foo: 1 }) as unknown as HandlerResult)
    .text('image', () => ({ MsgType: 'image' }) as ReplyBody)
    .text('assigned', (ctx) => {
      ctx.response = 42 as unknown as ReplyBody;
    })
    .text('empty', () => '')
    .text('ok', () => 'still answering');

test('a bad return value over HTTP: 200 success, one error record naming it; the next message is answered', async (t) => {
  const logs: LogRecord[] = [];
  const s = await startServer(badBot(), { ...opts, onLog: (r) => logs.push(r) });
  t.after(() => s.close());
  for (const [k, words] of [
    ['number', /not a reply: the number 42/],
    ['object', /not a reply: an object without MsgType \(keys: foo\)/],
    ['image', /not a reply: an image reply without Image\.MediaId/],
    ['assigned', /not a reply: the number 42/],
  ] as const) {
    logs.length = 0;
    const r = await push(s.url, textXml(k, { msgId: String(++msgId) }), 'safe');
    assert.equal(r.status, 200, k);
    assert.equal(r.body, 'success', k);
    const errors = logs.filter((l) => l.type === 'error');
    assert.equal(errors.length, 1, k);
    assert.equal(errors[0]?.type === 'error' && errors[0].error.code, 'BAD_REPLY');
    assert.match(errors[0]?.type === 'error' ? errors[0].error.message : '', words);
    const line = logs.find((l) => l.type === 'request');
    assert.equal(line?.type === 'request' && line.level, 'info', 'a handler error, not a server fault');
  }
  logs.length = 0;
  const empty = await push(s.url, textXml('empty', { msgId: String(++msgId) }), 'plain');
  assert.equal(empty.body, 'success');
  assert.equal(logs.filter((l) => l.type === 'error').length, 0, "'' is no reply, not an error");
  const ok = await push(s.url, textXml('ok', { msgId: String(++msgId) }), 'plain');
  assert.equal(replyText(ok), 'still answering');
});

test('bot.catch turns a bad return value into a reply over HTTP', async (t) => {
  const s = await startServer(
    badBot().catch((err) => `抱歉（${(err as { code?: string }).code}）`),
    opts,
  );
  t.after(() => s.close());
  const r = await push(s.url, textXml('number', { msgId: String(++msgId) }), 'plain');
  assert.equal(r.status, 200);
  assert.equal(replyText(r), '抱歉（BAD_REPLY）');
});

test('testBot sees success (not HTTP 500) for a bad return value, and WeChat would accept it', async () => {
  const t = testBot(badBot());
  try {
    for (const k of ['number', 'object', 'image', 'assigned', 'empty']) {
      const r = await t.send(k);
      assert.equal(r.status, 200, k);
      assert.equal(r.type, 'success', k);
      assert.equal(r.ok, true, k);
    }
    assert.equal((await t.send('ok')).text, 'still answering');
  } finally {
    await t.close();
  }
});
