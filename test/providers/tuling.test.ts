import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ProviderError,
  TULING_ERROR_CODES,
  closeSharedDispatcher,
  tulingProvider,
  tulingUserId,
} from '../../src/providers/index.js';
import { FAKE_TULING_KEY, fakeTulingAnswer, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';
import { rejection as rejectionOf } from '../helpers/rejection.js';

const OPENID = 'oyORnuP8q7ou2gfYjqLzSIWZf0rs';
let fake: FakeTuling;
let secretFake: FakeTuling;
const SECRET = 'abcdef0123456789';

before(async () => {
  fake = await startFakeTuling();
  secretFake = await startFakeTuling({ secret: SECRET });
});
after(async () => {
  await closeSharedDispatcher();
  await fake.close();
  await secretFake.close();
});

const tuling = (o: Partial<Parameters<typeof tulingProvider>[0]> = {}) =>
  tulingProvider({ apiKey: FAKE_TULING_KEY, url: fake.origin, ...o });

const rejection = (p: Promise<unknown>) => rejectionOf(p, ProviderError);

test('sends text to /openapi/api/v2 and answers with the text result', async () => {
  const n = fake.requests.length;
  const reply = await tuling()('你好', { userId: OPENID });
  assert.equal(reply, fakeTulingAnswer('你好'));
  const seen = fake.requests[n]!;
  assert.equal(seen.path, '/openapi/api/v2');
  assert.match(String(seen.headers['content-type']), /^application\/json/);
  assert.deepEqual(seen.body, {
    reqType: 0,
    perception: { inputText: { text: '你好' } },
    userInfo: { apiKey: FAKE_TULING_KEY, userId: tulingUserId(OPENID) },
  });
});

test('text over 128 characters is cut so Tuling accepts it (the fake answers 4602 beyond 128)', async () => {
  const reply = await tuling()('话'.repeat(200), { userId: OPENID });
  assert.equal(reply, fakeTulingAnswer('话'.repeat(128)));
});

test('location from config goes in perception.selfInfo.location', async () => {
  const n = fake.requests.length;
  await tuling({ location: { city: '北京', province: '北京', street: '信息路' } })('附近的酒店', { userId: OPENID });
  assert.deepEqual(fake.requests[n]!.body.perception.selfInfo, {
    location: { city: '北京', province: '北京', street: '信息路' },
  });
});

test('with a secret the body is the §7.5 envelope, which the fake decrypts', async () => {
  const p = tuling({ url: secretFake.url, secret: SECRET, now: () => 1565000000000 });
  assert.equal(await p('加密你好', { userId: OPENID }), fakeTulingAnswer('加密你好'));
  const seen = secretFake.requests.at(-1)!;
  const wire = JSON.parse(seen.raw);
  assert.deepEqual(Object.keys(wire).sort(), ['data', 'key', 'timestamp']);
  assert.equal(wire.timestamp, '1565000000000');
  assert.equal(seen.encrypted, true);
  assert.equal(seen.body.perception.inputText.text, '加密你好');
  assert.equal(seen.raw.includes('加密你好'), false);
});

test('a robot with encryption on refuses plaintext (4001) and a wrong secret (4001)', async () => {
  for (const p of [tuling({ url: secretFake.url }), tuling({ url: secretFake.url, secret: 'wrong-secret-123' })]) {
    const e = await rejection(p('你好', { userId: OPENID }));
    assert.equal(e.providerCode, 4001);
    assert.equal(e.meaning?.zh, '加密方式错误');
  }
});

test('every §7.4 error code becomes PROVIDER_ERROR with the code and its Chinese and English meaning', async () => {
  const p = tuling();
  for (const [code, meaning] of Object.entries(TULING_ERROR_CODES)) {
    const e = await rejection(p(`#code:${code}`, { userId: OPENID }));
    assert.equal(e.code, 'PROVIDER_ERROR');
    assert.equal(e.provider, 'tuling');
    assert.equal(e.providerCode, Number(code));
    assert.deepEqual(e.meaning, meaning);
    assert.ok(e.message.includes(String(code)) && e.message.includes(meaning.zh), e.message);
    assert.equal(e.message.includes(FAKE_TULING_KEY), false);
  }
});

test('a wrong apiKey is 4007 (checked by the fake)', async () => {
  const e = await rejection(tuling({ apiKey: 'f'.repeat(32) })('你好', { userId: OPENID }));
  assert.equal(e.providerCode, 4007);
  assert.equal(e.meaning?.en, 'invalid apiKey');
});

test('empty input is refused locally (no request), like Tuling would with 4600', async () => {
  const n = fake.requests.length;
  const e = await rejection(tuling()('   ', { userId: OPENID }));
  assert.equal(e.code, 'EMPTY_INPUT');
  assert.equal(fake.requests.length, n);
});

test('HTTP 5xx, 4xx, broken JSON, HTML and an intent without results are typed failures', async () => {
  const p = tuling();
  const cases: [string, string, number?][] = [
    ['#http:502', 'HTTP_5XX', 502],
    ['#http:404', 'HTTP_4XX', 404],
    ['#http:403', 'AUTH', 403],
    ['#http:429', 'RATE_LIMITED', 429],
    ['#broken', 'BAD_JSON', 200],
    ['#html', 'BAD_JSON', 200],
    ['#noresults', 'BAD_RESPONSE', 200],
  ];
  for (const [text, code, status] of cases) {
    const e = await rejection(p(text, { userId: OPENID }));
    assert.equal(e.code, code, text);
    assert.equal(e.status, status, text);
    assert.equal(e.exchange?.response?.status, status, text);
  }
});

test('a reset connection is NETWORK, a refused one too', async () => {
  assert.equal((await rejection(tuling()('#reset', { userId: OPENID }))).code, 'NETWORK');
  const e = await rejection(tuling({ url: 'http://127.0.0.1:1' })('你好', { userId: OPENID }));
  assert.equal(e.code, 'NETWORK');
  assert.match(e.message, /127\.0\.0\.1:1/);
});

test('a slow answer past the provider timeout is TIMEOUT; an aborted signal is ABORTED', async () => {
  const e = await rejection(tuling({ timeoutMs: 150 })('#slow:3000', { userId: OPENID }));
  assert.equal(e.code, 'TIMEOUT');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  assert.equal((await rejection(tuling()('#slow:3000', { userId: OPENID, signal: ac.signal }))).code, 'ABORTED');
});

test('news answers a 1-item news reply; exchange() shows request (key masked), raw response and latency', async () => {
  const x = await tuling().exchange('#news', { userId: OPENID });
  assert.equal(typeof x.reply === 'object' && x.reply.MsgType, 'news');
  assert.equal(x.response?.status, 200);
  assert.equal((x.response!.body as { intent: { code: number } }).intent.code, 10003);
  assert.equal(JSON.stringify(x).includes(FAKE_TULING_KEY), false);
  assert.equal((x.request.body as { userInfo: { apiKey: string } }).userInfo.apiKey, '01…ef');
  assert.ok(x.latencyMs >= 0);
});
