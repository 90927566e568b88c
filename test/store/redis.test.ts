import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryStore, openStore, RedisStore, StoreError } from '../../src/store/index.js';
import { freePort, requireRedis, startPrivateRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `ok` (the client reconnects on its own, with a backoff capped at 2 s). */
async function waitFor(ok: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

describe('RedisStore against a real redis-server', requireRedis(), () => {
  let redis: TestRedis;
  let store: RedisStore;
  let raw: Redis;
  before(async () => {
    redis = await startTestRedis(1);
    store = await RedisStore.connect(redis.url);
    raw = new Redis(redis.url);
  });
  after(async () => {
    await store?.close();
    raw?.disconnect();
    await redis?.stop();
  });

  test('set then get returns the value; a missing key is undefined', async () => {
    await store.set(`${redis.prefix}:a`, 'héllo', 10_000);
    assert.equal(await store.get(`${redis.prefix}:a`), 'héllo');
    assert.equal(await store.get(`${redis.prefix}:missing`), undefined);
  });

  test('every write carries the TTL it was given (PX)', async () => {
    await store.set(`${redis.prefix}:ttl`, 'v', 60_000);
    await store.setIfAbsent(`${redis.prefix}:ttl2`, 'v', 30_000);
    const p1 = await raw.pttl(`${redis.prefix}:ttl`);
    const p2 = await raw.pttl(`${redis.prefix}:ttl2`);
    assert.ok(p1 > 50_000 && p1 <= 60_000, `pttl ${p1}`);
    assert.ok(p2 > 20_000 && p2 <= 30_000, `pttl ${p2}`);
  });

  test('a key expires after its TTL', async () => {
    await store.set(`${redis.prefix}:short`, 'v', 40);
    await sleep(120);
    assert.equal(await store.get(`${redis.prefix}:short`), undefined);
  });

  test('setIfAbsent: exactly one winner among concurrent callers on two connections', async () => {
    const other = await RedisStore.connect(redis.url);
    try {
      const key = `${redis.prefix}:claim`;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).setIfAbsent(key, `owner${i}`, 10_000)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal(await store.get(key), `owner${winner}`);
      assert.equal(await store.setIfAbsent(key, 'late', 10_000), false);
    } finally {
      await other.close();
    }
  });

  test('setIfAbsent succeeds again once the key expired or was deleted', async () => {
    const key = `${redis.prefix}:again`;
    assert.equal(await store.setIfAbsent(key, '1', 30), true);
    await sleep(80);
    assert.equal(await store.setIfAbsent(key, '2', 10_000), true);
    await store.delete(key);
    assert.equal(await store.get(key), undefined);
    assert.equal(await store.setIfAbsent(key, '3', 10_000), true);
  });

  test('refuses a missing or non-positive TTL', async () => {
    await assert.rejects(store.set(`${redis.prefix}:x`, 'v', 0), RangeError);
    await assert.rejects(store.setIfAbsent(`${redis.prefix}:x`, 'v', Number.NaN), RangeError);
  });

  test('compareAndSet writes only over the value it expects (or over nothing), with the TTL given', async () => {
    const other = await RedisStore.connect(redis.url);
    try {
      const k = `${redis.prefix}:cas`;
      assert.equal(await store.compareAndSet(k, 'x', 'v1', 60_000), false);
      assert.equal(await store.get(k), undefined);
      assert.equal(await store.compareAndSet(k, undefined, 'v1', 60_000), true);
      assert.equal(await other.compareAndSet(k, undefined, 'v2', 60_000), false);
      assert.equal(await other.compareAndSet(k, 'v0', 'v2', 60_000), false);
      assert.equal(await other.compareAndSet(k, 'v1', 'v2', 30_000), true);
      assert.equal(await store.get(k), 'v2');
      const pttl = await raw.pttl(k);
      assert.ok(pttl > 20_000 && pttl <= 30_000, `pttl ${pttl}`);
    } finally {
      await other.close();
    }
  });

  test('ping answers true while connected', async () => {
    assert.equal(await store.ping(), true);
  });

  test('openStore picks Redis for a URL and memory without one', async () => {
    const r = await openStore(redis.url);
    const m = await openStore();
    try {
      assert.ok(r instanceof RedisStore);
      assert.ok(m instanceof MemoryStore);
      await r.set(`${redis.prefix}:open`, 'yes', 5_000);
      assert.equal(await store.get(`${redis.prefix}:open`), 'yes');
    } finally {
      await r.close();
      await m.close();
    }
  });
});

describe('RedisStore failures', () => {
  test('an unreachable server is a StoreError with the password masked, within a bounded time', async () => {
    const port = await freePort();
    const url = `redis://:hunter2secret@127.0.0.1:${port}/0`;
    const err = await RedisStore.connect(url, { connectTimeoutMs: 500, connectRetries: 1 }).then(
      () => assert.fail('connected to nothing'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'STORE_CONNECT');
    assert.match(err.message, new RegExp(`redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(err.message, /hunter2secret/);
  });

  test('a URL that is not redis:// is refused before connecting', async () => {
    await assert.rejects(
      RedisStore.connect('http://user:pw@localhost:6379'),
      (e: unknown) => e instanceof StoreError && e.code === 'STORE_BAD_URL' && !e.message.includes(':pw@'),
    );
    await assert.rejects(openStore('not a url'), (e: unknown) => e instanceof StoreError && e.code === 'STORE_BAD_URL');
  });

  test(
    'when the server dies, commands fail with STORE_UNAVAILABLE and the process survives',
    requireRedis(),
    async () => {
      const own = await startPrivateRedis();
      const errors: StoreError[] = [];
      const store = await RedisStore.connect(own.url, { commandTimeoutMs: 500, onError: (e) => errors.push(e) });
      try {
        await store.set('k', 'v', 5_000);
        await own.stop();
        await assert.rejects(store.get('k'), (e: unknown) => e instanceof StoreError && e.code === 'STORE_UNAVAILABLE');
        assert.equal(await store.ping(), false);
        // Told when the client's next attempt to reconnect is refused (the first comes after 200 ms).
        await waitFor(async () => errors.length > 0, 'onError told about the lost connection', 3_000);
        assert.ok(errors.every((e) => e instanceof StoreError));
      } finally {
        await store.close();
        await own.stop();
      }
      await assert.rejects(store.get('k'), (e: unknown) => e instanceof StoreError && e.code === 'STORE_CLOSED');
    },
  );

  test(
    'while the server is down, commands fail at once (no queue waiting out the timeout); they work again once it is back',
    requireRedis(),
    async () => {
      let own = await startPrivateRedis();
      const port = Number(new URL(own.url).port);
      const store = await RedisStore.connect(own.url, { commandTimeoutMs: 2_000 });
      try {
        await store.set('k', 'v', 60_000);
        await own.stop();
        for (let i = 0; i < 3; i++) {
          const t0 = Date.now();
          await assert.rejects(
            store.increment('n', 60_000),
            (e: unknown) =>
              e instanceof StoreError && e.code === 'STORE_UNAVAILABLE' && /no connection/.test(e.message),
          );
          assert.ok(Date.now() - t0 < 1_000, `failed after ${Date.now() - t0} ms, not at once`);
        }
        own = await startPrivateRedis(0, undefined, port);
        await waitFor(() => store.ping(), 'reconnected');
        await store.set('k', 'back', 60_000);
        assert.equal(await store.get('k'), 'back');
      } finally {
        await store.close();
        await own.stop();
      }
    },
  );

  test(
    'a server that stops answering: one command waits out its timeout, the next fail at once, all work again once it answers',
    requireRedis(),
    async () => {
      const own = await startPrivateRedis();
      const store = await RedisStore.connect(own.url, { commandTimeoutMs: 2_000 });
      try {
        await store.set('k', 'v', 60_000);
        own.pause();
        await assert.rejects(store.get('k'), (e: unknown) => e instanceof StoreError && /timed out/.test(e.message));
        for (let i = 0; i < 3; i++) {
          const t0 = Date.now();
          await assert.rejects(
            store.get('k'),
            (e: unknown) => e instanceof StoreError && /no connection/.test(e.message),
          );
          assert.ok(Date.now() - t0 < 1_000, `failed after ${Date.now() - t0} ms, not at once`);
        }
        own.resume();
        await waitFor(() => store.ping(), 'reconnected');
        assert.equal(await store.get('k'), 'v');
      } finally {
        await store.close();
        await own.stop();
      }
    },
  );
});
