// Plaintext replay protection, on the in-process store and on a real Redis shared by two guards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpRejection } from '../../src/server/rejection.js';
import { ReplayGuard } from '../../src/server/replay-guard.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import { requireRedis, startTestRedis } from '../fakes/redis.js';

const SIG = 'a'.repeat(40);
const now = Date.now();
const ts = String(Math.floor(now / 1000));
const refused = (e: unknown) =>
  e instanceof HttpRejection && e.status === 401 && /replayed with another body/.test(e.message);

test('the same signed query: the same body again passes, another body is refused (in-process store, synchronously)', (t) => {
  const store = new MemoryStore();
  t.after(() => store.close());
  const g = new ReplayGuard(store, 'wx1234567890abcdef', 300);
  assert.equal(g.check(SIG, ts, '<xml>one</xml>', now), undefined);
  assert.equal(g.check(SIG, ts, Buffer.from('<xml>one</xml>'), now), undefined, 'bytes or text: the same body');
  assert.throws(() => g.check(SIG, ts, '<xml>two</xml>', now), refused);
  assert.equal(g.check('b'.repeat(40), ts, '<xml>two</xml>', now), undefined, 'another signature is another request');
  // Another account (AppID) on the same store keeps its own records.
  assert.equal(new ReplayGuard(store, 'wx0000000000000000', 300).check(SIG, ts, '<xml>two</xml>', now), undefined);
});

test('a record lasts as long as the timestamp is accepted, then the key is gone', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now });
  const store = new MemoryStore(3_600_000);
  t.after(() => store.close());
  const g = new ReplayGuard(store, undefined, 60);
  g.check(SIG, ts, 'one', now);
  t.mock.timers.tick(59_000);
  assert.throws(() => g.check(SIG, ts, 'two', Date.now()), refused);
  t.mock.timers.tick(3_000);
  assert.equal(g.check(SIG, ts, 'two', Date.now()), undefined, 'past the window the timestamp check refuses it anyway');
});

test('through Redis: a second replica refuses the same signed query with another body', requireRedis(), async (t) => {
  const redis = await startTestRedis(4);
  t.after(() => redis.stop());
  const [a, b] = await Promise.all([RedisStore.connect(redis.url), RedisStore.connect(redis.url)]);
  try {
    const ga = new ReplayGuard(a, redis.prefix, 300);
    const gb = new ReplayGuard(b, redis.prefix, 300);
    const sig = `${Date.now()}`.padEnd(40, 'c');
    await ga.check(sig, ts, 'one', now);
    await gb.check(sig, ts, 'one', now);
    await assert.rejects(Promise.resolve(gb.check(sig, ts, 'two', now)), refused);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("two users' messages that share a timestamp and nonce are both accepted; a forger copying the openid is not", (t) => {
  const store = new MemoryStore();
  t.after(() => store.close());
  const g = new ReplayGuard(store, undefined, 300);
  assert.equal(g.check(SIG, ts, 'from alice', now, 'oAlice'), undefined);
  assert.equal(g.check(SIG, ts, 'from bob', now, 'oBob'), undefined);
  assert.throws(() => g.check(SIG, ts, 'forged', now, 'oAlice'), refused);
  assert.equal(g.check(SIG, ts, 'x', now, 'o'.repeat(500)), undefined, 'a long openid is hashed');
  assert.throws(() => g.check(SIG, ts, 'y', now, 'o'.repeat(500)), refused);
});
