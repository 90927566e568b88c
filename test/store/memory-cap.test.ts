// The memory store's cap on long-lived entries (sessions, chat memories): least recently used first,
// checked directly with small caps (the 500k-user figure is `node test/soak/bounds.mjs`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/store/memory.js';
import { SHORT_TTL_MS } from '../../src/store/short-lived.js';

const DAY = 24 * 3600_000;

test('past maxEntries the least recently used long-lived entry goes; a read counts as a use', async (t) => {
  const s = new MemoryStore({ maxEntries: 3, sweepIntervalMs: 3_600_000 });
  t.after(() => s.close());
  await s.set('session:a', '1', DAY);
  await s.set('session:b', '2', DAY);
  await s.set('session:c', '3', DAY);
  assert.equal(await s.get('session:a'), '1'); // a is now the most recent: b is the oldest
  await s.set('session:d', '4', DAY);
  assert.equal(await s.get('session:b'), undefined, 'the least recently used went');
  assert.deepEqual(await Promise.all(['a', 'c', 'd'].map((k) => s.get(`session:${k}`))), ['1', '3', '4']);
  assert.equal(s.longLived, 3);
  assert.equal(s.evicted, 1);
  // Rewriting an entry keeps one entry for it, and makes it the most recent.
  await s.set('session:c', '3b', DAY);
  await s.set('session:e', '5', DAY);
  assert.equal(await s.get('session:a'), undefined);
  assert.equal(await s.get('session:c'), '3b');
  assert.equal(s.longLived, 3);
});

test('short-lived entries (retry dedupe) do not count against the cap and are never evicted by it', async (t) => {
  const s = new MemoryStore({ maxEntries: 2, sweepIntervalMs: 3_600_000 });
  t.after(() => s.close());
  for (let i = 0; i < 1000; i++) await s.set(`wxbot:x:dedupe:m:${i}`, 'pending', SHORT_TTL_MS);
  await s.set('session:a', '1', DAY);
  await s.set('session:b', '2', DAY);
  assert.equal(await s.get('wxbot:x:dedupe:m:0'), 'pending');
  assert.equal(await s.get('session:a'), '1');
  assert.equal(s.evicted, 0);
  assert.equal(s.longLived, 2);
});

test('deleted, expired and evicted entries leave the cap; many distinct users keep it at maxEntries', async (t) => {
  const s = new MemoryStore({ maxEntries: 100, sweepIntervalMs: 3_600_000 });
  t.after(() => s.close());
  for (let i = 0; i < 10_000; i++) await s.set(`wxbot:x:session:bot:user${i}`, '{"n":1}', DAY);
  assert.equal(s.longLived, 100);
  assert.equal(s.size, 100);
  assert.equal(s.evicted, 9_900);
  assert.equal(await s.get('wxbot:x:session:bot:user9999'), '{"n":1}');
  assert.equal(await s.get('wxbot:x:session:bot:user0'), undefined);
  await s.delete('wxbot:x:session:bot:user9999');
  assert.equal(s.longLived, 99);
  await s.set('short-ttl-but-long', 'v', SHORT_TTL_MS + 1);
  assert.equal(s.longLived, 100);
});

test('a session renewed on every message stays one entry and its expiry listings do not pile up', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
  const s = new MemoryStore({ maxEntries: 10, sweepIntervalMs: 3_600_000 });
  t.after(() => s.close());
  // Each write a second apart lists the key in a new second; compaction keeps the listings near the live count.
  for (let i = 0; i < 20_000; i++) {
    await s.set('session:chatty', String(i), DAY);
    t.mock.timers.tick(1000);
  }
  assert.equal(await s.get('session:chatty'), '19999');
  assert.equal(s.longLived, 1);
  t.mock.timers.tick(DAY);
  assert.equal(s.sweep(), 1);
  assert.equal(s.size, 0);
});
