/**
 * ctx.session.update() is one step: concurrent updates of one user's session all land, on the
 * memory store and on Redis, also when two replicas (two connections) update it at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { Session, updatesInProgress } from '../../src/bot/session.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import { requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { sampleXml } from '../helpers/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (Content: string): WechatMessage => ({ ...parseMessage(sampleXml('text')), Content }) as WechatMessage;

/** A bot whose `count` route adds one to the user's session, taking a little time in between. */
function counter(store: Store) {
  return createBot({ store }).text('count', async (ctx) => {
    const s = await ctx.session.update(async (g: { n?: number } | undefined) => {
      await sleep(Math.random() * 5);
      return { n: (g?.n ?? 0) + 1 };
    });
    return `n=${s.n}`;
  });
}

const KEY = (appId: string) => `wxbot:${appId}:session:bot:oUserOpenId0000000000000000`;

/** A Store of the user's own, without compareAndSet: update() is still one step within the process. */
function plainStore(inner: MemoryStore): Store {
  return {
    get: (k) => inner.get(k),
    set: (k, v, t) => inner.set(k, v, t),
    setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
    delete: (k) => inner.delete(k),
    close: () => inner.close(),
  };
}

for (const [name, make] of [
  ['the memory store', () => new MemoryStore()],
  ['a store without compareAndSet', () => plainStore(new MemoryStore())],
] as const) {
  test(`20 concurrent updates of one session all land (${name}), and nothing stays queued`, async () => {
    const store = make();
    const bot = counter(store);
    await Promise.all(Array.from({ length: 20 }, () => bot.handle(text('count'), { appId: 'wxA' })));
    assert.equal(await store.get(KEY('wxA')), '{"n":20}');
    assert.equal(updatesInProgress(store), 0);
    await store.close();
  });
}

test('a failing update takes its turn and lets the next one run', async () => {
  const store = new MemoryStore();
  const s = new Session<{ n: number }>(store, 'k', 60_000);
  const results = await Promise.allSettled([
    s.update(() => ({ n: 1 })),
    s.update(() => {
      throw new Error('boom');
    }),
    s.update((g) => ({ n: (g?.n ?? 0) + 1 })),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(await s.get(), { n: 2 });
  assert.equal(updatesInProgress(store), 0);
  await store.close();
});

test('a write made meanwhile by someone else is not overwritten: fn runs again on it', async () => {
  const store = new MemoryStore();
  const s = new Session<{ n: number }>(store, 'k', 60_000);
  await s.set({ n: 1 });
  const seen: (number | undefined)[] = [];
  const r = await s.update(async (g) => {
    seen.push(g?.n);
    // Another replica writes the session while this update runs (once).
    if (seen.length === 1) await store.set('k', '{"n":10}', 60_000);
    return { n: (g?.n ?? 0) + 1 };
  });
  assert.deepEqual(seen, [1, 10]);
  assert.deepEqual(r, { n: 11 });
  assert.deepEqual(await s.get(), { n: 11 });
  await store.close();
});

test('a session changed under every try: SESSION_CONFLICT after a bounded number of tries', async () => {
  const inner = new MemoryStore();
  const store: Store = { ...plainStore(inner), compareAndSet: async () => false };
  let calls = 0;
  const s = new Session<{ n: number }>(store, 'k', 60_000);
  await assert.rejects(
    s.update(() => ({ n: ++calls })),
    (e: Error & { code?: string }) => e.code === 'SESSION_CONFLICT' && /try again/.test(e.message),
  );
  assert.equal(calls, 20);
  await inner.close();
});

describe('session updates on Redis', requireRedis(), () => {
  let redis: TestRedis;
  let a: RedisStore;
  let b: RedisStore;
  before(async () => {
    redis = await startTestRedis(5);
    a = await RedisStore.connect(redis.url);
    b = await RedisStore.connect(redis.url);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('20 concurrent updates on two replicas (two connections) all land', async () => {
    const bots = [counter(a), counter(b)];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => bots[i % 2]!.handle(text('count'), { appId: redis.prefix })),
    );
    assert.equal(await a.get(KEY(redis.prefix)), '{"n":20}');
  });
});
