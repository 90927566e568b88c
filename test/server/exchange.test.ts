import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { replyHeader } from '../../src/protocol/replies.js';
import { createBot } from '../../src/bot/bot.js';
import { ExchangeRecord } from '../../src/server/exchange.js';
import { startServer } from '../../src/server/start.js';
import type { Exchange } from '../../src/server/types.js';
import { ACCOUNT, push, textXml } from './client.js';

const message = {
  ToUserName: 'gh_1',
  FromUserName: 'oUser',
  CreateTime: 1_700_000_000,
  MsgType: 'text',
  Content: 'hi',
  MsgId: '1',
} as WechatMessage;

test('ExchangeRecord reads and serialises like the plain Exchange object it replaces', () => {
  const at = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  const x = new ExchangeRecord(
    'abc0001',
    at,
    'POST',
    '/wechat',
    { nonce: '1' },
    '<xml/>',
    'plain',
    200,
    '<xml>r</xml>',
    1.25,
    false,
    false,
  );
  x.message = message;
  x.setReply({ MsgType: 'text', Content: 'hello' }, at + 2000);
  x.replyXml = '<xml>r</xml>';
  const plain = {
    id: 'abc0001',
    time: '2024-01-02T03:04:05.678Z',
    method: 'POST',
    path: '/wechat',
    query: { nonce: '1' },
    body: '<xml/>',
    mode: 'plain',
    status: 200,
    reply: '<xml>r</xml>',
    latencyMs: 1.25,
    dedupe: false,
    late: false,
    message,
    replyParsed: { ...replyHeader(message, at + 2000), MsgType: 'text', Content: 'hello' },
    replyXml: '<xml>r</xml>',
  };
  assert.equal(x.time, plain.time);
  assert.deepEqual(x.replyParsed, plain.replyParsed);
  assert.equal(x.replyParsed, x.replyParsed, 'built once');
  assert.deepEqual(JSON.parse(JSON.stringify(x)), JSON.parse(JSON.stringify(plain)));
});

test('a rejected request: no message, no parsed reply, the error kept', () => {
  const x = new ExchangeRecord(
    'abc0002',
    0,
    'POST',
    '/wechat',
    {},
    '',
    'plain',
    401,
    'bad signature',
    0.5,
    false,
    false,
  );
  x.error = 'bad signature';
  assert.equal(x.replyParsed, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(x)), {
    id: 'abc0002',
    time: '1970-01-01T00:00:00.000Z',
    method: 'POST',
    path: '/wechat',
    query: {},
    body: '',
    mode: 'plain',
    status: 401,
    reply: 'bad signature',
    latencyMs: 0.5,
    dedupe: false,
    late: false,
    error: 'bad signature',
  });
});

test('an answer that leaves its request another way is recorded with the mode and path that request came in on', async (t) => {
  const recorded: Exchange[] = [];
  const bot = createBot().text('慢', async () => {
    await new Promise((r) => setTimeout(r, 150));
    return '迟到';
  });
  const server = await startServer(bot, {
    ...ACCOUNT,
    encodingAESKey: ACCOUNT.aesKey,
    host: '127.0.0.1',
    port: 0,
    path: '/hook',
    deadlineMs: 30,
    onLateReply: () => ({
      sent: true,
      openid: 'oUse…0000',
      msgtype: 'text',
      api: '/cgi-bin/message/custom/send',
      message: 'sent',
    }),
    onExchange: (x) => recorded.push(x),
  });
  t.after(() => server.close());
  const r = await push(`${server.origin}/hook`, textXml('慢'), 'safe');
  assert.equal(r.body, 'success', 'past the deadline');
  for (let i = 0; i < 100 && recorded.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const [request, aside] = recorded;
  assert.equal(request?.status, 200);
  assert.equal(aside?.slow, 'custom-service');
  assert.equal(aside?.status, 0, 'no request');
  assert.deepEqual([aside?.mode, aside?.path], ['safe', '/hook'], "the request's own, not plain and /");
  assert.deepEqual([request?.mode, request?.path], ['safe', '/hook']);
});
