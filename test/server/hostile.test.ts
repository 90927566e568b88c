import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { computeMsgSignature } from '../../src/protocol/signature.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { LogRecord } from '../../src/server/types.js';
import { ACCOUNT, buildPush, http, nextNonce, now, push, signedQuery, textXml } from './client.js';

const logs: LogRecord[] = [];
let server: RunningServer;
let port: number;

before(async () => {
  const bot = createBot()
    .text('boom', () => {
      throw new Error('handler bug');
    })
    .fallback((ctx) => `ok ${ctx.text ?? ''}`);
  server = await startServer(bot, {
    ...ACCOUNT,
    encodingAESKey: ACCOUNT.aesKey,
    host: '127.0.0.1',
    port: 0,
    bodyLimit: 4096,
    bodyTimeoutMs: 300,
    headersTimeoutMs: 300,
    requestTimeoutMs: 2000,
    onLog: (r) => logs.push(r),
  });
  port = server.port;
});
after(() => server.close());

// After every hostile request the server must still answer a normal one.
async function stillAnswers(): Promise<void> {
  const r = await push(server.url, textXml('alive'), 'safe');
  assert.equal(r.status, 200);
  assert.equal(r.reply?.MsgType === 'text' && r.reply.Content, 'ok alive');
}

function post(query: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return http(`${server.url}?${query}`, { method: 'POST', body, headers });
}

test('wrong methods get 405 with Allow', async () => {
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const r = await http(`${server.url}?${signedQuery(ACCOUNT.token)}`, { method, body: 'x' });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, POST');
  }
  await stillAnswers();
});

test('a body over the limit gets 413, declared or streamed', async () => {
  const big = Buffer.alloc(10_000, 'a');
  const declared = await post(signedQuery(ACCOUNT.token), big);
  assert.equal(declared.status, 413);
  const streamed = await post(signedQuery(ACCOUNT.token), big, { 'transfer-encoding': 'chunked' });
  assert.equal(streamed.status, 413);
  await stillAnswers();
});

test('missing or malformed parameters get 400', async () => {
  assert.equal((await post('', textXml('x'))).status, 400, 'no query');
  assert.equal((await post(`signature=abc&nonce=1`, textXml('x'))).status, 400, 'no timestamp');
  assert.equal((await post(`signature=abc&timestamp=12x&nonce=1`, textXml('x'))).status, 400, 'timestamp not digits');
  assert.equal(
    (await post(`${signedQuery(ACCOUNT.token)}&encrypt_type=aes`, textXml('x'))).status,
    400,
    'aes without msg_signature',
  );
  assert.equal(
    (await post(`signature=%E0%A4%A&timestamp=1&nonce=1`, textXml('x'))).status,
    400,
    'bad percent-encoding',
  );
  await stillAnswers();
});

test('a bad signature or msg_signature gets 401', async () => {
  const q = signedQuery('wrongtoken');
  assert.equal((await post(q, textXml('x'))).status, 401);
  const p = buildPush(server.url, textXml('x'), 'safe');
  const tampered = await http(
    p.url.replace(/msg_signature=([0-9a-f])/, (_m, c: string) => `msg_signature=${c === 'a' ? 'b' : 'a'}`),
    { method: 'POST', body: p.body },
  );
  assert.equal(tampered.status, 401);
  await stillAnswers();
});

test('timestamps outside maxSkew get 401, both stale and from the future', async () => {
  // Whole seconds rounded away from now: floor() + 301 is only 300.01 s ahead late in a second.
  const old = String(Math.floor(Date.now() / 1000) - 301);
  const future = String(Math.ceil(Date.now() / 1000) + 301);
  for (const ts of [old, future]) {
    const p = buildPush(server.url, textXml('x'), 'plain', ACCOUNT, ts);
    const r = await http(p.url, { method: 'POST', body: p.body });
    assert.equal(r.status, 401);
    assert.match(r.body, /timestamp/);
  }
  const ok = buildPush(server.url, textXml('x'), 'plain', ACCOUNT, String(Math.floor(Date.now() / 1000) - 200));
  assert.equal((await http(ok.url, { method: 'POST', body: ok.body })).status, 200);
});

test('malformed XML, DTDs and empty bodies get 400', async () => {
  for (const body of [
    '<xml><ToUserName>',
    'not xml at all',
    '',
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>',
    '<xml><ToUserName>a</ToUserName></xml>',
  ]) {
    const r = await post(signedQuery(ACCOUNT.token), body);
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  await stillAnswers();
});

test('undecryptable ciphertext gets 400 and a foreign AppID 401', async () => {
  const ts = now();
  const nonce = nextNonce();
  const garbage = Buffer.alloc(64, 7).toString('base64');
  const q = (enc: string) =>
    `${signedQuery(ACCOUNT.token, ts, nonce)}&encrypt_type=aes&msg_signature=${computeMsgSignature(ACCOUNT.token, ts, nonce, enc)}`;
  const r1 = await post(q(garbage), `<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[${garbage}]]></Encrypt></xml>`);
  assert.equal(r1.status, 400);
  const notB64 = 'not*base64';
  const r2 = await post(q(notB64), `<xml><ToUserName>gh</ToUserName><Encrypt>${notB64}</Encrypt></xml>`);
  assert.equal(r2.status, 400);
  const foreign = new MessageCipher(ACCOUNT.aesKey, 'wxffffffffffffffff').encrypt(textXml('x'));
  const r3 = await post(q(foreign), `<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[${foreign}]]></Encrypt></xml>`);
  assert.equal(r3.status, 401);
  await stillAnswers();
});

test('an encrypted push to a server without an AES key gets 400', async (t) => {
  const plainOnly = await startServer(createBot(), { token: ACCOUNT.token, host: '127.0.0.1', port: 0 });
  t.after(() => plainOnly.close());
  const p = buildPush(plainOnly.url, textXml('x'), 'safe');
  const r = await http(p.url, { method: 'POST', body: p.body });
  assert.equal(r.status, 400);
  assert.match(r.body, /EncodingAESKey/);
});

test('a body that never finishes gets 408 after the body timeout', async () => {
  const r = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`POST /wechat?${signedQuery(ACCOUNT.token)} HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n<xml>`);
    });
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
  assert.match(r, /^HTTP\/1\.1 408/);
  await stillAnswers();
});

test('headers that never finish are cut off', async () => {
  const t0 = Date.now();
  const r = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write('POST /wechat HTTP/1.1\r\nHost: x\r\n'));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
  assert.ok(Date.now() - t0 < 5000, 'connection closed by the server');
  assert.ok(r === '' || /^HTTP\/1\.1 408/.test(r), r);
  await stillAnswers();
});

test('a throwing handler answers success (the message is not retried forever) and logs the error', async () => {
  const before = logs.length;
  const r = await push(server.url, textXml('boom'), 'plain');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'success');
  const errs = logs.slice(before).filter((l) => l.type === 'error');
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.type === 'error' && errs[0]!.error.message, 'handler bug');
});

test('every rejection is logged once, with a reason and no secrets', async () => {
  const before = logs.length;
  await post(signedQuery('wrongtoken'), textXml('x'));
  const recs = logs.slice(before);
  assert.equal(recs.length, 1);
  const r = recs[0]!;
  assert.equal(r.type === 'request' && r.status, 401);
  assert.equal(r.type === 'request' && r.reason, 'invalid signature');
  const all = JSON.stringify(logs);
  assert.ok(!all.includes(ACCOUNT.token), 'token never logged');
  assert.ok(!all.includes(ACCOUNT.aesKey), 'AES key never logged');
});
