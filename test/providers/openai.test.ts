import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ProviderError, closeSharedDispatcher, openaiProvider, ChatMemory } from '../../src/providers/index.js';
import { MemoryStore } from '../../src/store/index.js';
import {
  FAKE_OPENAI_KEY,
  FAKE_OPENAI_MODEL,
  fakeOpenAIAnswer,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../fakes/openai.js';
import { rejection as rejectionOf } from '../helpers/rejection.js';

let fake: FakeOpenAI;
const stores: MemoryStore[] = [];
before(async () => {
  fake = await startFakeOpenAI();
});
after(async () => {
  await closeSharedDispatcher();
  await fake.close();
  for (const s of stores) await s.close();
});

const store = () => {
  const s = new MemoryStore();
  stores.push(s);
  return s;
};
const openai = (o: Partial<Parameters<typeof openaiProvider>[0]> = {}) =>
  openaiProvider({ apiKey: FAKE_OPENAI_KEY, baseUrl: fake.baseUrl, model: FAKE_OPENAI_MODEL, store: store(), ...o });

const rejection = (p: Promise<unknown>) => rejectionOf(p, ProviderError);

test('POSTs {base}/chat/completions with the Bearer key, model, system prompt and user message', async () => {
  const n = fake.requests.length;
  const reply = await openai({ systemPrompt: '简短回答', maxTokens: 200, temperature: 0.3 })('你好', { userId: 'u1' });
  assert.equal(reply, fakeOpenAIAnswer('你好', 0));
  const seen = fake.requests[n]!;
  assert.equal(seen.path, '/v1/chat/completions');
  assert.equal(seen.headers.authorization, `Bearer ${FAKE_OPENAI_KEY}`);
  assert.deepEqual(seen.body, {
    model: FAKE_OPENAI_MODEL,
    max_tokens: 200,
    temperature: 0.3,
    messages: [
      { role: 'system', content: '简短回答' },
      { role: 'user', content: '你好' },
    ],
  });
});

test('accepts a base URL with a trailing slash or the full endpoint', async () => {
  assert.equal(await openai({ baseUrl: `${fake.baseUrl}/` })('a', { userId: 'u' }), fakeOpenAIAnswer('a', 0));
  assert.equal(
    await openai({ baseUrl: `${fake.baseUrl}/chat/completions` })('b', { userId: 'u' }),
    fakeOpenAIAnswer('b', 0),
  );
});

test('remembers the last N turns per user, in the store, under a namespaced key', async () => {
  const s = store();
  const p = openai({ memoryTurns: 2, store: s });
  for (const t of ['一', '二', '三']) await p(t, { userId: 'alice' });
  const n = fake.requests.length;
  assert.equal(await p('四', { userId: 'alice' }), fakeOpenAIAnswer('四', 4));
  const msgs = fake.requests[n]!.body.messages as { role: string; content: string }[];
  assert.deepEqual(
    msgs.map((m) => m.role),
    ['user', 'assistant', 'user', 'assistant', 'user'],
  );
  assert.deepEqual(
    msgs.filter((m) => m.role === 'user').map((m) => m.content),
    ['二', '三', '四'],
  );
  assert.equal(msgs[1]!.content, fakeOpenAIAnswer('二', 2));
  // Another user starts fresh.
  assert.equal(await p('hi', { userId: 'bob' }), fakeOpenAIAnswer('hi', 0));
  const key = new ChatMemory(s, { turns: 2, ttlMs: 1000, namespace: 'openai' }).key('alice');
  assert.match(key, /^wxbot:chat:openai:[0-9a-f]{32}$/);
  assert.equal(key.includes('alice'), false);
  assert.equal(JSON.parse((await s.get(key))!).length, 2);
});

test("through a bot, memory is kept under the bot's own key prefix (its AppID): accounts sharing a Redis stay apart", async () => {
  const { createBot, chat } = await import('../../src/bot/index.js');
  const s = store();
  const p = openai({ memoryTurns: 2 });
  const bot = createBot({ store: s }).fallback(chat(p));
  const message = (Content: string) =>
    ({ ToUserName: 'gh_1', FromUserName: 'oAlice', CreateTime: 1, MsgType: 'text', Content, MsgId: Content }) as const;
  await bot.handle(message('一'), { appId: 'wxAAAA' });
  await bot.handle(message('一'), { appId: 'wxBBBB' });
  const keyOf = (prefix: string) =>
    new ChatMemory(s, { turns: 2, ttlMs: 1000, namespace: 'openai', keyPrefix: prefix }).key('oAlice');
  assert.match(keyOf('wxbot:wxAAAA:'), /^wxbot:wxAAAA:chat:openai:[0-9a-f]{32}$/);
  assert.equal(JSON.parse((await s.get(keyOf('wxbot:wxAAAA:')))!).length, 1);
  assert.equal(JSON.parse((await s.get(keyOf('wxbot:wxBBBB:')))!).length, 1);
  // The second account's conversation did not see the first one's turn.
  const second = fake.requests.at(-1)!.body.messages as { role: string }[];
  assert.deepEqual(
    second.map((m) => m.role),
    ['user'],
  );
});

test("the context store (the bot's) wins over the provider option; memory expires after its TTL", async () => {
  const botStore = store();
  const p = openai({ memoryTtlMs: 80 });
  await p('一', { userId: 'carol', store: botStore });
  assert.equal(await p('二', { userId: 'carol', store: botStore }), fakeOpenAIAnswer('二', 2));
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(await p('三', { userId: 'carol', store: botStore }), fakeOpenAIAnswer('三', 0));
});

test('memoryTurns 0 sends no history', async () => {
  const p = openai({ memoryTurns: 0 });
  await p('一', { userId: 'dave' });
  assert.equal(await p('二', { userId: 'dave' }), fakeOpenAIAnswer('二', 0));
});

test('a long answer is cut to 2048 UTF-8 bytes on a character boundary', async () => {
  const reply = (await openai()('#long:9000', { userId: 'u' })) as string;
  assert.ok(Buffer.byteLength(reply) <= 2048 && Buffer.byteLength(reply) > 2040);
  assert.match(reply, /^长+…$/);
});

test('a leading <think> block is dropped; a refusal is shown as the answer', async () => {
  assert.equal(await openai()('#think', { userId: 'u' }), '你好！');
  assert.equal(await openai()('#refusal', { userId: 'u' }), '抱歉，我不能回答这个问题。');
});

test("HTTP errors are typed with the API's own code; the key is never in the message", async () => {
  const cases: [Parameters<typeof openaiProvider>[0] | undefined, string, string, number, string?][] = [
    [{ apiKey: 'sk-wrong-key-000000000000' }, 'hi', 'AUTH', 401, 'invalid_api_key'],
    [{ model: 'gpt-none' } as never, 'hi', 'HTTP_4XX', 404, 'model_not_found'],
    [undefined, '#http:503', 'HTTP_5XX', 503, 'server_error'],
    [undefined, '#quota', 'RATE_LIMITED', 429, 'insufficient_quota'],
    [undefined, '#ratelimit', 'RATE_LIMITED', 429, 'rate_limit_exceeded'],
    [undefined, '#echo-key', 'HTTP_4XX', 400],
  ];
  for (const [o, text, code, status, providerCode] of cases) {
    const e = await rejection(openai(o ?? {})(text, { userId: 'u' }));
    assert.equal(e.code, code, text);
    assert.equal(e.status, status, text);
    if (providerCode) assert.equal(e.providerCode, providerCode, text);
    assert.equal(e.message.includes(FAKE_OPENAI_KEY), false, e.message);
    assert.equal(JSON.stringify(e.exchange?.request).includes(FAKE_OPENAI_KEY), false);
  }
});

test('broken JSON, HTML, empty content, reset and timeout are typed failures, and nothing is remembered', async () => {
  const s = store();
  const p = openai({ store: s, timeoutMs: 150 });
  const cases: [string, string][] = [
    ['#broken', 'BAD_JSON'],
    ['#html', 'BAD_JSON'],
    ['#empty', 'BAD_RESPONSE'],
    ['#reset', 'NETWORK'],
    ['#slow:3000', 'TIMEOUT'],
  ];
  for (const [text, code] of cases) assert.equal((await rejection(p(text, { userId: 'erin' }))).code, code, text);
  assert.equal(await p('ok', { userId: 'erin' }), fakeOpenAIAnswer('ok', 0));
});

test('a missing key is NOT_CONFIGURED before any request', () => {
  assert.throws(
    () => openaiProvider({ apiKey: '' }),
    (e: unknown) => e instanceof ProviderError && e.code === 'NOT_CONFIGURED',
  );
});
