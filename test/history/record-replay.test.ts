import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyInputOf, secretsFromEnv } from '../../src/history/record.js';
import { replayEntry, replayUrl, replyShape, withFreshIds, ReplayError } from '../../src/history/replay.js';
import type { Exchange } from '../../src/server/types.js';
import type { HistoryEntry } from '../../src/history/entry.js';
import { startHoldingServer } from '../helpers/holding-server.js';

const text = {
  ToUserName: 'gh_1',
  FromUserName: 'oUser',
  CreateTime: 1700000000,
  MsgType: 'text',
  Content: '你好',
  MsgId: '6054768590064713728',
} as const;

test('maps a server exchange: plaintext reply kept instead of the envelope, verify recognised', () => {
  const x: Exchange = {
    id: 'abc',
    time: '2024-01-01T00:00:00.000Z',
    method: 'POST',
    path: '/wechat',
    query: { signature: 's', encrypt_type: 'aes' },
    body: '<xml><Encrypt>..</Encrypt></xml>',
    message: text,
    mode: 'safe',
    status: 200,
    reply: '<xml><Encrypt>envelope</Encrypt></xml>',
    replyXml: '<xml><Content><![CDATA[hi]]></Content></xml>',
    latencyMs: 3,
    dedupe: true,
    late: false,
  };
  const h = historyInputOf(x, 'http://127.0.0.1:5050');
  assert.equal(h.reply, x.replyXml);
  assert.equal(h.msgType, 'text');
  assert.equal(h.content, '你好');
  assert.equal(h.server, 'http://127.0.0.1:5050');
  assert.equal(h.dedupe, true);
  assert.equal(h.late, undefined);
  const v = historyInputOf({
    ...x,
    method: 'GET',
    query: { echostr: '123' },
    message: undefined,
    replyXml: undefined,
    reply: '123',
    body: '',
  });
  assert.equal(v.mode, 'verify');
  assert.equal(v.reply, '123');
});

test('secretsFromEnv picks credential-looking names with real values only, and the settings wxbot reads as secrets at any length', () => {
  const s = secretsFromEnv({
    OPENAI_API_KEY: 'sk-0123456789',
    NGROK_AUTHTOKEN: 'tok_0123456789',
    MY_SERVICE_SECRET: 'another-0123',
    HOME: '/root/longpath',
    MY_SECRET: 'short',
    OPENAI_MAX_TOKENS: '500',
    PATH: '/usr/bin:/bin',
    WECHAT_TOKEN: 'abc123',
    WECHAT_APP_SECRET: 'appsec',
    TULING_KEY: 'tk1',
  });
  assert.deepEqual(s.sort(), ['abc123', 'another-0123', 'appsec', 'sk-0123456789', 'tk1', 'tok_0123456789']);
});

test('fresh ids make the server run the handler again; the content stays', () => {
  const m = withFreshIds(text, 1_800_000_000_000) as typeof text & { MsgId: string };
  assert.notEqual(m.MsgId, text.MsgId);
  assert.match(m.MsgId, /^\d{19}$/);
  assert.equal(m.CreateTime, 1_800_000_000);
  assert.equal(m.Content, '你好');
  const ev = withFreshIds({
    ToUserName: 'gh_1',
    FromUserName: 'o',
    CreateTime: 1,
    MsgType: 'event',
    Event: 'subscribe',
  } as never);
  assert.equal('MsgId' in ev, false, 'events get no MsgId they never had');
});

test('reply shapes compare meaning, not header fields', () => {
  const a = replyShape(
    '<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>',
  );
  assert.deepEqual(a, { MsgType: 'text', Content: 'hi' });
  assert.equal(replyShape('success'), 'success');
  assert.equal(replyShape(null), null);
});

test('replay needs to know where to send', () => {
  const e = { id: 4, path: '/wechat' } as HistoryEntry;
  assert.throws(
    () => replayUrl(e),
    (err: unknown) => err instanceof ReplayError && /--url http:\/\/127\.0\.0\.1:PORT\/wechat/.test(err.message),
  );
  assert.equal(replayUrl({ ...e, server: 'http://127.0.0.1:1' }), 'http://127.0.0.1:1/wechat');
  assert.equal(replayUrl(e, 'http://x/y'), 'http://x/y');
});

test('replay delivers again when unanswered, as WeChat does: a slow answer on delivery 2 is the same reply', async (t) => {
  const server = await startHoldingServer();
  t.after(() => server.close());
  const entry = {
    id: 7,
    path: '/wechat',
    server: new URL(server.url).origin,
    mode: 'plain',
    message: text,
    status: 200,
    reply: 'success',
    body: '',
  } as unknown as HistoryEntry;
  const r = await replayEntry(entry, { token: 'T0ken123', timeoutMs: 1000 });
  assert.equal(server.seen.length, 2, 'delivered twice');
  assert.equal(r.same, true);
  assert.equal(r.result.problems.length, 0);
  assert.match((r.result as { warnings: string[] }).warnings[0] ?? '', /answered only on delivery 2/);
});
