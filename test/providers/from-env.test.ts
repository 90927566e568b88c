import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DEFAULT_FALLBACK_TEXT,
  DEFAULT_SYSTEM_PROMPT,
  ProviderError,
  chatSettingsFromEnv,
  closeSharedDispatcher,
  providerFromEnv,
  type ChatFailure,
} from '../../src/providers/index.js';
import {
  FAKE_OPENAI_KEY,
  FAKE_OPENAI_MODEL,
  fakeOpenAIAnswer,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../fakes/openai.js';
import { FAKE_TULING_KEY, fakeTulingAnswer, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';

let tuling: FakeTuling;
let openai: FakeOpenAI;
before(async () => {
  [tuling, openai] = await Promise.all([startFakeTuling(), startFakeOpenAI()]);
});
after(async () => {
  await closeSharedDispatcher();
  await Promise.all([tuling.close(), openai.close()]);
});

const notConfigured = (re: RegExp) => (e: unknown) =>
  e instanceof ProviderError && e.code === 'NOT_CONFIGURED' && re.test(e.message);

test('no key at all: no provider', () => {
  assert.equal(providerFromEnv({}), undefined);
  assert.equal(chatSettingsFromEnv({ WECHAT_TOKEN: 'x' }), undefined);
});

test('TULING_KEY or TULING_API_KEY selects Tuling with URL, secret and location', () => {
  for (const k of ['TULING_KEY', 'TULING_API_KEY']) {
    const s = chatSettingsFromEnv({
      [k]: 'k'.repeat(32),
      TULING_API_URL: 'http://127.0.0.1:9/x',
      TULING_SECRET: 'sec',
      TULING_CITY: '上海',
      TULING_STREET: '南京路',
    });
    assert.ok(s?.name === 'tuling');
    assert.deepEqual(s.tuling, {
      apiKey: 'k'.repeat(32),
      url: 'http://127.0.0.1:9/x',
      secret: 'sec',
      location: { city: '上海', province: undefined, street: '南京路' },
    });
    assert.equal(s.budget.budgetMs, undefined); // unset: each call's context decides (withBudget)
  }
});

test('OPENAI_* select the OpenAI-compatible provider with defaults and overrides', () => {
  const d = chatSettingsFromEnv({ OPENAI_API_KEY: 'sk-x' });
  assert.ok(d?.name === 'openai');
  assert.equal(d.openai.baseUrl, 'https://api.openai.com/v1');
  assert.equal(d.openai.systemPrompt, DEFAULT_SYSTEM_PROMPT);
  assert.equal(d.openai.memoryTurns, 6);
  const s = chatSettingsFromEnv({
    OPENAI_API_KEY: 'sk-x',
    OPENAI_BASE_URL: 'https://api.deepseek.com/v1',
    OPENAI_MODEL: 'deepseek-chat',
    OPENAI_SYSTEM_PROMPT: 'none',
    OPENAI_MEMORY_TURNS: '0',
    OPENAI_MEMORY_TTL: '60',
    OPENAI_MAX_TOKENS: '300',
    WXBOT_CHAT_BUDGET_MS: '3000',
  });
  assert.ok(s?.name === 'openai');
  assert.equal(s.openai.model, 'deepseek-chat');
  assert.equal(s.openai.systemPrompt, undefined);
  assert.equal(s.openai.memoryTurns, 0);
  assert.equal(s.openai.memoryTtlMs, 60_000);
  assert.equal(s.openai.maxTokens, 300);
  assert.equal(s.budget.budgetMs, 3000);
});

test('both keys: Tuling unless WXBOT_CHAT_PROVIDER (or the option) says otherwise; "none" turns chat off', () => {
  const env = { TULING_KEY: 't', OPENAI_API_KEY: 'sk' };
  assert.equal(chatSettingsFromEnv(env)?.name, 'tuling');
  assert.equal(chatSettingsFromEnv({ ...env, WXBOT_CHAT_PROVIDER: 'openai' })?.name, 'openai');
  assert.equal(chatSettingsFromEnv({ ...env, WXBOT_CHAT_PROVIDER: 'OpenAI' })?.name, 'openai');
  assert.equal(chatSettingsFromEnv({ ...env, WXBOT_CHAT_PROVIDER: 'openai' }, { provider: 'tuling' })?.name, 'tuling');
  assert.equal(chatSettingsFromEnv({ ...env, WXBOT_CHAT_PROVIDER: 'none' }), undefined);
});

test('bad settings throw NOT_CONFIGURED naming the variable', () => {
  assert.throws(() => chatSettingsFromEnv({ WXBOT_CHAT_PROVIDER: 'openai' }), notConfigured(/OPENAI_API_KEY/));
  assert.throws(() => chatSettingsFromEnv({}, { provider: 'tuling' }), notConfigured(/TULING_KEY/));
  assert.throws(
    () => chatSettingsFromEnv({ WXBOT_CHAT_PROVIDER: 'eliza', TULING_KEY: 't' }),
    notConfigured(/WXBOT_CHAT_PROVIDER/),
  );
  assert.throws(
    () => chatSettingsFromEnv({ OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: 'http://localhost:11434/v1' }),
    notConfigured(/OPENAI_MODEL/),
  );
  assert.throws(() => chatSettingsFromEnv({ TULING_KEY: 't', TULING_PROVINCE: '北京' }), notConfigured(/TULING_CITY/));
  assert.throws(
    () => chatSettingsFromEnv({ TULING_KEY: 't', WXBOT_CHAT_BUDGET_MS: 'soon' }),
    notConfigured(/WXBOT_CHAT_BUDGET_MS/),
  );
  assert.throws(
    () => chatSettingsFromEnv({ OPENAI_API_KEY: 'sk', OPENAI_MEMORY_TURNS: '-1' }),
    notConfigured(/OPENAI_MEMORY_TURNS/),
  );
  // An API address without its scheme is a setting error, with the URL meant, not a network failure later.
  assert.throws(
    () => chatSettingsFromEnv({ OPENAI_API_KEY: 'sk', OPENAI_MODEL: 'm', OPENAI_BASE_URL: 'api.deepseek.com/v1' }),
    notConfigured(
      /^OPENAI_BASE_URL must be an http:\/\/ or https:\/\/ URL, got "api\.deepseek\.com\/v1": did you mean https:\/\/api\.deepseek\.com\/v1 \?$/,
    ),
  );
  assert.throws(
    () => chatSettingsFromEnv({ TULING_KEY: 't', TULING_API_URL: 'openapi.turingapi.com/openapi/api/v2' }),
    notConfigured(/^TULING_API_URL must be .*: did you mean http:\/\/openapi\.turingapi\.com\/openapi\/api\/v2 \?$/),
  );
  assert.throws(
    () => chatSettingsFromEnv({ TULING_KEY: 't', TULING_API_URL: 'ftp://x' }),
    notConfigured(/^TULING_API_URL must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"$/),
  );
});

test('providerFromEnv returns a budgeted Tuling provider that answers through the fake', async () => {
  const r = providerFromEnv({ TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: tuling.origin });
  assert.equal(r?.name, 'tuling');
  assert.equal(await r!.provider('你好', { userId: 'u' }), fakeTulingAnswer('你好'));
});

test('providerFromEnv: failures give WXBOT_CHAT_FALLBACK / the quota text and reach onError without keys', async () => {
  const failures: ChatFailure[] = [];
  const env = {
    TULING_KEY: FAKE_TULING_KEY,
    TULING_API_URL: tuling.url,
    WXBOT_CHAT_FALLBACK: '等一下哦',
    WXBOT_CHAT_QUOTA_FALLBACK: '额度用完啦',
    WXBOT_CHAT_BUDGET_MS: '300',
  };
  const p = providerFromEnv(env, { onError: (f) => failures.push(f) })!.provider;
  assert.equal(await p('#code:4003', { userId: 'u' }), '额度用完啦');
  assert.equal(await p('#code:4007', { userId: 'u' }), '等一下哦');
  assert.equal(await p('#slow:3000', { userId: 'u' }), '等一下哦');
  assert.deepEqual(
    failures.map((f) => [f.code, f.providerCode]),
    [
      ['PROVIDER_ERROR', 4003],
      ['PROVIDER_ERROR', 4007],
      ['TIMEOUT', undefined],
    ],
  );
  assert.equal(JSON.stringify(failures).includes(FAKE_TULING_KEY), false);
  // WXBOT_CHAT_BUDGET_MS wins over what the server's slow-reply strategy would allow.
  assert.equal(await p('#slow:1000', { userId: 'u', budgetMs: 60_000 }), '等一下哦');
});

test("providerFromEnv without WXBOT_CHAT_BUDGET_MS: the call's budgetMs (the server's slow-reply limit), else 3.5 s", async () => {
  const failures: ChatFailure[] = [];
  const env = { TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: tuling.url };
  const p = providerFromEnv(env, { onError: (f) => failures.push(f) })!.provider;
  assert.equal(await p('#slow:600 你好', { userId: 'u', budgetMs: 5000 }), fakeTulingAnswer('#slow:600 你好'));
  assert.equal(await p('#slow:600 你好', { userId: 'u', budgetMs: 200 }), DEFAULT_FALLBACK_TEXT);
  assert.deepEqual(
    failures.map((f) => f.reason),
    ['tuling did not answer within the 200 ms budget'],
  );
});

test('providerFromEnv: OpenAI-compatible with memory in the given store', async () => {
  const r = providerFromEnv({
    OPENAI_API_KEY: FAKE_OPENAI_KEY,
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_MODEL: FAKE_OPENAI_MODEL,
  });
  assert.equal(r?.name, 'openai');
  assert.equal(await r!.provider('一', { userId: 'zed' }), fakeOpenAIAnswer('一', 0));
  assert.equal(await r!.provider('二', { userId: 'zed' }), fakeOpenAIAnswer('二', 2));
  assert.equal(openai.requests.at(-1)!.body.messages[0].role, 'system');
});
