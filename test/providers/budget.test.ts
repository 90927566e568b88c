import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DEFAULT_FALLBACK_TEXT,
  ProviderError,
  closeSharedDispatcher,
  tulingProvider,
  withBudget,
  type ChatFailure,
  type ChatProvider,
} from '../../src/providers/index.js';
import { WxbotError } from '../../src/protocol/errors.js';
import { FAKE_TULING_KEY, fakeTulingAnswer, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';

let fake: FakeTuling;
before(async () => {
  fake = await startFakeTuling();
});
after(async () => {
  await closeSharedDispatcher();
  await fake.close();
});

const tuling = () => tulingProvider({ apiKey: FAKE_TULING_KEY, url: fake.url });

test('passes the answer through when it comes in time', async () => {
  const failures: ChatFailure[] = [];
  const p = withBudget(tuling(), { budgetMs: 2000, onError: (f) => failures.push(f) });
  assert.equal(await p('你好', { userId: 'u' }), fakeTulingAnswer('你好'));
  assert.equal(failures.length, 0);
  assert.equal(p.providerName, 'tuling');
});

test('a provider slower than the budget yields the fallback at the budget, and its request is aborted', async () => {
  const failures: ChatFailure[] = [];
  const p = withBudget(tuling(), { budgetMs: 200, fallbackText: '稍后再聊', onError: (f) => failures.push(f) });
  const started = Date.now();
  const text = `#slow:5000 ${started}`;
  assert.equal(await p(text, { userId: 'u' }), '稍后再聊');
  const took = Date.now() - started;
  assert.ok(took >= 190 && took < 2000, `took ${took} ms`);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.code, 'TIMEOUT');
  assert.equal(failures[0]!.provider, 'tuling');
  assert.ok(failures[0]!.latencyMs >= 190);
  // Aborted: the fake sees the provider's connection close long before its answer (due at 5 s).
  const request = fake.requests.find((r) => r.body?.perception?.inputText?.text === text);
  assert.ok(request, 'the fake received the request');
  for (let waited = 0; request.abandonedAt === undefined && waited < 1500; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(request.abandonedAt !== undefined, 'the request to the provider was closed, not left to run');
  assert.ok(request.abandonedAt - started < 1700, `closed ${request.abandonedAt - started} ms after the call`);
});

test('every failure kind becomes the fallback with one record naming the reason — never the key', async () => {
  const failures: ChatFailure[] = [];
  const p = withBudget(tuling(), { budgetMs: 2000, onError: (f) => failures.push(f) });
  for (const text of ['#code:4003', '#http:500', '#broken', '#reset']) {
    assert.equal(await p(text, { userId: 'u' }), DEFAULT_FALLBACK_TEXT, text);
  }
  assert.deepEqual(
    failures.map((f) => f.code),
    ['PROVIDER_ERROR', 'HTTP_5XX', 'BAD_JSON', 'NETWORK'],
  );
  assert.equal(failures[0]!.providerCode, 4003);
  assert.deepEqual(failures[0]!.meaning, { zh: '该apikey没有可用请求次数', en: 'quota exhausted for this apiKey' });
  assert.equal(failures[1]!.status, 500);
  for (const f of failures) {
    assert.ok(f.reason.length > 0);
    assert.ok(f.latencyMs >= 0);
    assert.equal(JSON.stringify(f).includes(FAKE_TULING_KEY), false);
  }
});

test('the fallback can depend on the failure (e.g. a quota message)', async () => {
  const p = withBudget(tuling(), { fallbackText: (f) => (f.providerCode === 4003 ? '今天的额度用完了' : '出错了') });
  assert.equal(await p('#code:4003', { userId: 'u' }), '今天的额度用完了');
  assert.equal(await p('#code:8008', { userId: 'u' }), '出错了');
});

test('custom providers: thrown errors and empty replies fall back; listed secrets are scrubbed', async () => {
  const failures: ChatFailure[] = [];
  const throwing: ChatProvider = async () => {
    throw new Error('upstream said no to key sk-secret-value');
  };
  const p = withBudget(throwing, { name: 'mine', secrets: ['sk-secret-value'], onError: (f) => failures.push(f) });
  assert.equal(await p('x', { userId: 'u' }), DEFAULT_FALLBACK_TEXT);
  assert.equal(failures[0]!.provider, 'mine');
  assert.equal(failures[0]!.code, 'PROVIDER_ERROR');
  assert.equal(failures[0]!.reason.includes('sk-secret-value'), false);
  const empty = withBudget(async () => '  ', { onError: (f) => failures.push(f) });
  assert.equal(await empty('x', { userId: 'u' }), DEFAULT_FALLBACK_TEXT);
  assert.equal(failures[1]!.code, 'BAD_RESPONSE');
});

test('a provider that ignores the signal still cannot hold the reply past the budget', async () => {
  let finished = false;
  const stubborn: ChatProvider = () =>
    new Promise((r) =>
      setTimeout(() => {
        finished = true;
        r('late');
      }, 400),
    );
  const started = Date.now();
  assert.equal(await withBudget(stubborn, { budgetMs: 100, fallbackText: 'fb' })('x', { userId: 'u' }), 'fb');
  assert.ok(Date.now() - started < 350);
  assert.equal(finished, false);
  await new Promise((r) => setTimeout(r, 400)); // the late answer lands and is ignored (no unhandled rejection)
  assert.equal(finished, true);
});

test("the caller's own abort (e.g. shutdown) is reported as ABORTED; a throwing onError does not break the reply", async () => {
  const failures: ChatFailure[] = [];
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 80);
  const p = withBudget(tuling(), {
    budgetMs: 3000,
    onError: (f) => {
      failures.push(f);
      throw new Error('logger down');
    },
  });
  assert.equal(await p('#slow:3000', { userId: 'u', signal: ac.signal }), DEFAULT_FALLBACK_TEXT);
  assert.equal(failures[0]!.code, 'ABORTED');
});

test('ProviderError is a WxbotError with a stable code', () => {
  const e = new ProviderError('TIMEOUT', 'x', { provider: 'p' });
  assert.equal(e.name, 'ProviderError');
  assert.equal(e.code, 'TIMEOUT');
  assert.ok(e instanceof WxbotError);
});
