import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { vectors } from '../helpers/fixtures.js';
import { ACCOUNT, http, signedQuery } from './client.js';

const vector = (name: string) => vectors.find((v) => v.name === name)!;

let server: RunningServer;
before(async () => {
  server = await startServer(createBot(), { token: ACCOUNT.token, host: '127.0.0.1', port: 0 });
});
after(() => server.close());

test('answers echostr exactly as received, as text/plain, nothing else', async () => {
  const r = await http(`${server.url}?${signedQuery(ACCOUNT.token)}&echostr=4375120948345356249`);
  assert.equal(r.status, 200);
  assert.equal(r.body, '4375120948345356249');
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
});

test('a percent-encoded echostr is decoded once and "+" stays "+"', async () => {
  const r = await http(`${server.url}?${signedQuery(ACCOUNT.token)}&echostr=a%2Fb+c%3D`);
  assert.equal(r.body, 'a/b+c=');
});

test('an invalid signature gets 401 with a short body, never the echo', async () => {
  const q = signedQuery(ACCOUNT.token).replace(
    /signature=([0-9a-f])/,
    (_m, c: string) => `signature=${c === '0' ? '1' : '0'}`,
  );
  const r = await http(`${server.url}?${q}&echostr=SECRET_ECHO`);
  assert.equal(r.status, 401);
  assert.ok(!r.body.includes('SECRET_ECHO'));
  assert.ok(r.body.length < 100);
  const wrongToken = await http(`${server.url}?${signedQuery('othertoken')}&echostr=SECRET_ECHO`);
  assert.equal(wrongToken.status, 401);
});

test('missing parameters get 400', async () => {
  assert.equal((await http(server.url)).status, 400);
  assert.equal((await http(`${server.url}?${signedQuery(ACCOUNT.token)}`)).status, 400, 'no echostr');
  assert.equal((await http(`${server.url}?signature=abc&echostr=1`)).status, 400, 'no timestamp/nonce');
  assert.equal(
    (await http(`${server.url}?signature=abc&timestamp=soon&nonce=1&echostr=1`)).status,
    400,
    'timestamp not a number',
  );
});

test('the official doc GET example verifies (clock check off for the old timestamp)', async (t) => {
  const v = vector('oa_doc_get_url_verification');
  const s = await startServer(createBot(), { token: v.token, maxSkew: 0, host: '127.0.0.1', port: 0 });
  t.after(() => s.close());
  const r = await http(
    `${s.url}?signature=${v.signature}&echostr=${v.echostr}&timestamp=${v.timestamp}&nonce=${v.nonce}`,
  );
  assert.equal(r.status, 200);
  assert.equal(r.body, v.echostr);
});

test('a WeCom-style GET (msg_signature, encrypted echostr) answers the decrypted echo', async (t) => {
  for (const name of ['wecom_official_sample_verify_url', 'wechatpy_work_check_signature']) {
    const v = vector(name);
    const s = await startServer(createBot(), {
      token: v.token,
      encodingAESKey: v.encodingAESKey!,
      appId: v.appId!,
      maxSkew: 0,
      host: '127.0.0.1',
      port: 0,
    });
    t.after(() => s.close());
    const q = `msg_signature=${v.msgSignature}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${encodeURIComponent(v.echostr!)}`;
    const r = await http(`${s.url}?${q}`);
    assert.equal(r.status, 200, name);
    assert.equal(r.body, v.plaintext, name);
    const bad = await http(
      `${s.url}?${q.replace(/msg_signature=([0-9a-f])/, (_m, c: string) => `msg_signature=${c === '0' ? '1' : '0'}`)}`,
    );
    assert.equal(bad.status, 401);
  }
});

test('GET / answers a status text and /healthz 200; other paths 404', async () => {
  const root = await http(`${server.origin}/`);
  assert.equal(root.status, 200);
  assert.match(root.body, /wxbot is running.*\/wechat/);
  const health = await http(`${server.origin}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.body, 'ok\n');
  assert.equal((await http(`${server.origin}/nope`)).status, 404);
});
