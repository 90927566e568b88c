// The webhook path is matched as the request sends it: a path no request could match is refused up front.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { WxbotError } from '../../src/protocol/errors.js';
import { createHandler } from '../../src/server/handler.js';
import { startServer } from '../../src/server/start.js';
import { isWebhookPath } from '../../src/server/webhook-path.js';
import { ACCOUNT, push, replyText, textXml } from './client.js';

const UNREACHABLE = ['/we chat', '/wx?a=1', '/wx#top', '/we%20chat', '/微信', '/wx\t', '/wx\u0000', 'wechat', ''];

test('isWebhookPath: RFC 3986 path characters after a /, nothing a client would encode or cut off', () => {
  for (const p of ['/', '/wechat', '/hooks/wechat/', "/a-b.c_d~e!f$g&h'i(j)k*l+m,n;o=p:q@r"]) {
    assert.ok(isWebhookPath(p), p);
  }
  for (const p of UNREACHABLE) assert.ok(!isWebhookPath(p), JSON.stringify(p));
});

test('createHandler and startServer refuse such a path with a CONFIG error', async () => {
  for (const path of ['/we chat', '/wx?a=1']) {
    const config = (e: unknown) =>
      e instanceof WxbotError && e.code === 'CONFIG' && e.message.includes(JSON.stringify(path));
    assert.throws(() => createHandler(createBot(), { token: ACCOUNT.token, path }), config);
    await assert.rejects(startServer(createBot(), { token: ACCOUNT.token, host: '127.0.0.1', port: 0, path }), config);
  }
});

test('a path with the allowed punctuation is served', async (t) => {
  const path = "/hook;v=1/a-b.c_d~e!$&'()*+,:@";
  const s = await startServer(
    createBot().fallback((ctx) => `echo ${ctx.text}`),
    {
      token: ACCOUNT.token,
      host: '127.0.0.1',
      port: 0,
      path,
    },
  );
  t.after(() => s.close());
  const r = await push(`${s.origin}${path}`, textXml('hi'), 'plain');
  assert.equal(r.status, 200);
  assert.equal(replyText(r), 'echo hi');
});
