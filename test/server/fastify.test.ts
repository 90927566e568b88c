import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createBot } from '../../src/bot/bot.js';
import { createHandler } from '../../src/server/handler.js';
import { toFastify } from '../../src/server/fastify.js';
import { buildMessageXml } from '../../src/protocol/build-message.js';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { parseEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js';
import type { TextMessage } from '../../src/protocol/messages.js';
import { parseReply } from '../../src/protocol/replies.js';
import { computeMsgSignature, computeSignature } from '../../src/protocol/signature.js';
import { ACCOUNT, http, type HttpResult } from './client.js';
import * as wxbot from '../../src/index.js';

const bot = () =>
  createBot()
    .text('hi', () => 'hello from the bot')
    .fallback((ctx) => `echo ${ctx.text ?? ''}`);
const options = { token: ACCOUNT.token, encodingAESKey: ACCOUNT.aesKey, appId: ACCOUNT.appId };
const cipher = new MessageCipher(ACCOUNT.aesKey, ACCOUNT.appId);

/** A real Fastify app on 127.0.0.1:0: JSON and text routes of its own, wxbot at /wechat. */
async function start(t: TestContext, mount: (app: FastifyInstance) => PromiseLike<unknown>): Promise<string> {
  const app = Fastify();
  app.get('/other', async () => 'other route');
  app.post('/json', async (request) => ({ got: request.body }));
  await mount(app);
  t.after(() => app.close());
  return app.listen({ port: 0, host: '127.0.0.1' });
}

const defaultMount = (app: FastifyInstance) =>
  app.register(toFastify(createHandler(bot(), options), { path: '/wechat' }));

let seq = 0;
const stamp = () => String(Math.floor(Date.now() / 1000));
const nonce = () => `n${Date.now()}${++seq}`;
let msgId = 7_000_000_000_000_000_000n;

function message(content: string): TextMessage {
  return {
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oFastifyUser000000000000000',
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: 'text',
    Content: content,
    MsgId: String(++msgId),
  };
}

function signed(timestamp = stamp(), n = nonce(), token = ACCOUNT.token): string {
  return `signature=${computeSignature(token, timestamp, n)}&timestamp=${timestamp}&nonce=${n}`;
}

function postXml(url: string, body: string): Promise<HttpResult> {
  return http(url, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
}

test('Fastify GET verification: echostr exactly as received, text/plain; a bad signature is 401', async (t) => {
  const base = await start(t, defaultMount);
  const echostr = '7263849501234567890';
  const ok = await http(`${base}/wechat?${signed()}&echostr=${echostr}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, echostr);
  assert.match(String(ok.headers['content-type']), /^text\/plain/);

  const bad = await http(`${base}/wechat?${signed(stamp(), nonce(), 'wrong-token')}&echostr=${echostr}`);
  assert.equal(bad.status, 401);
  assert.notEqual(bad.body, echostr);
});

test('Fastify plaintext POST (text/xml) is answered with the bot reply', async (t) => {
  const base = await start(t, defaultMount);
  const m = message('hi');
  const r = await postXml(`${base}/wechat?${signed()}&openid=${m.FromUserName}`, buildMessageXml(m));
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /xml/);
  const reply = parseReply(r.body);
  assert.equal(reply.MsgType, 'text');
  assert.equal(reply.MsgType === 'text' && reply.Content, 'hello from the bot');
  assert.equal(reply.ToUserName, m.FromUserName);
  assert.equal(reply.FromUserName, m.ToUserName);
});

test('Fastify safe-mode POST: decrypted, answered with a signed encrypted envelope', async (t) => {
  const base = await start(t, defaultMount);
  const m = message('ni hao');
  const ts = stamp();
  const n = nonce();
  const enc = cipher.encrypt(buildMessageXml(m));
  const body = `<xml><ToUserName><![CDATA[${m.ToUserName}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`;
  const url = `${base}/wechat?${signed(ts, n)}&openid=${m.FromUserName}&encrypt_type=aes&msg_signature=${computeMsgSignature(ACCOUNT.token, ts, n, enc)}`;
  const r = await postXml(url, body);
  assert.equal(r.status, 200);
  const env = parseEnvelope(r.body);
  assert.ok(verifyEnvelope(env, ACCOUNT.token), 'reply MsgSignature verifies');
  assert.equal(env.Nonce, n);
  const reply = parseReply(cipher.decrypt(env.Encrypt));
  assert.equal(reply.MsgType === 'text' && reply.Content, 'echo ni hao');
  assert.equal(reply.ToUserName, m.FromUserName);

  // A tampered msg_signature is refused even though the plain signature is fine.
  const tampered = await postXml(url.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'0'.repeat(40)}`), body);
  assert.equal(tampered.status, 401);
});

test('Fastify: the exact bytes arrive (compat-mode body with any content type, even none)', async (t) => {
  const base = await start(t, defaultMount);
  for (const type of [
    'application/xml; charset=utf-8',
    'text/plain',
    'application/json',
    'application/octet-stream',
    undefined,
  ]) {
    const m = message('hi');
    const xml = buildMessageXml(m);
    const ts = stamp();
    const n = nonce();
    const enc = cipher.encrypt(xml);
    const body = xml.replace(/<\/xml>\s*$/, `<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`);
    const url = `${base}/wechat?${signed(ts, n)}&encrypt_type=aes&msg_signature=${computeMsgSignature(ACCOUNT.token, ts, n, enc)}`;
    const r = await http(url, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
    assert.equal(r.status, 200, String(type));
    const env = parseEnvelope(r.body);
    const reply = parseReply(cipher.decrypt(env.Encrypt));
    assert.equal(reply.MsgType === 'text' && reply.Content, 'hello from the bot', String(type));
  }
});

test('Fastify: hostile and malformed bodies are refused without reaching the bot', async (t) => {
  let calls = 0;
  const b = createBot().fallback(() => {
    calls++;
    return 'should not happen';
  });
  const base = await start(t, (app) => app.register(toFastify(createHandler(b, options), { path: '/wechat' })));
  const doctype = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><ToUserName>&e;</ToUserName></xml>';
  const r = await postXml(`${base}/wechat?${signed()}`, doctype);
  assert.equal(r.status, 400);
  assert.doesNotMatch(r.body, /root:/);
  assert.equal((await postXml(`${base}/wechat?${signed()}`, '<xml><ToUserName>')).status, 400);
  assert.equal(
    (await postXml(`${base}/wechat?${signed(stamp(), nonce(), 'nope')}`, buildMessageXml(message('x')))).status,
    401,
  );
  assert.equal(calls, 0);
});

test('Fastify: other routes keep working and keep their own JSON parser', async (t) => {
  const base = await start(t, defaultMount);
  const other = await http(`${base}/other`);
  assert.equal(other.status, 200);
  assert.equal(other.body, 'other route');
  const json = await http(`${base}/json`, {
    method: 'POST',
    body: '{"a":1}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(json.status, 200);
  assert.deepEqual(JSON.parse(json.body), { got: { a: 1 } });
  // The catch-all parser stays inside the plugin: text/xml elsewhere is still Fastify's 415.
  const xmlElsewhere = await postXml(`${base}/json`, '<xml/>');
  assert.equal(xmlElsewhere.status, 415);
  assert.equal((await http(`${base}/missing`)).status, 404);
});

test('Fastify: other methods get the handler 405 with Allow', async (t) => {
  const base = await start(t, defaultMount);
  const r = await http(`${base}/wechat?${signed()}`, {
    method: 'PUT',
    body: '<xml/>',
    headers: { 'content-type': 'text/xml' },
  });
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'GET, POST');
});

test('Fastify: register prefix, and bodyLimit for the route', async (t) => {
  const base = await start(t, (app) =>
    app.register(toFastify(createHandler(bot(), options), { bodyLimit: 2048 }), { prefix: '/hooks/wechat' }),
  );
  const m = message('hi');
  const ok = await postXml(`${base}/hooks/wechat?${signed()}`, buildMessageXml(m));
  assert.equal(ok.status, 200);
  assert.equal(parseReply(ok.body).MsgType, 'text');
  const big = await postXml(`${base}/hooks/wechat?${signed()}`, buildMessageXml(message('x'.repeat(4096))));
  assert.equal(big.status, 413);
});

test('Fastify: a handler bodyLimit below the route limit still applies to the pre-read body', async (t) => {
  const base = await start(t, (app) =>
    app.register(toFastify(createHandler(bot(), { ...options, bodyLimit: 600 }), { path: '/wechat' })),
  );
  const r = await postXml(`${base}/wechat?${signed()}`, buildMessageXml(message('y'.repeat(1000))));
  assert.equal(r.status, 413);
  assert.match(r.body, /larger than 600 bytes/);
});

test('toFastify is public, and nothing under src/ imports fastify (it stays an optional dependency)', async () => {
  assert.equal(wxbot.toFastify, toFastify);
  const root = new URL('../../src/', import.meta.url).pathname;
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 10);
  for (const f of files) {
    const code = await readFile(join(root, f), 'utf8');
    assert.doesNotMatch(code, /(from|import\()\s*['"](fastify|@fastify\/[^'"]*)['"]/, f);
  }
});
