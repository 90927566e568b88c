import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryStore } from '../../src/store/memory.js';
import { SHORT_TTL_MS } from '../../src/store/short-lived.js';

const T0 = 1_700_000_000_000;

/** A store whose clock is the test's (Date only: timers stay real so the test runner is unaffected). */
function clocked(t: import('node:test').TestContext, sweepIntervalMs = 3_600_000): MemoryStore {
  t.mock.timers.enable({ apis: ['Date'], now: T0 });
  const s = new MemoryStore(sweepIntervalMs);
  t.after(() => s.close());
  return s;
}
const advance = (t: import('node:test').TestContext, ms: number) => t.mock.timers.tick(ms);

test('a key lives exactly ttlMs: there 1 ms before, gone at the expiry time', async (t) => {
  const s = clocked(t);
  await s.set('k', 'v', 1000);
  advance(t, 999);
  assert.equal(await s.get('k'), 'v');
  advance(t, 1);
  assert.equal(await s.get('k'), undefined);
  assert.equal(s.size, 0, 'an expired key is dropped when read');
});

test('setIfAbsent: refused while live, allowed from the expiry time on, with the new value and TTL', async (t) => {
  const s = clocked(t);
  assert.equal(await s.setIfAbsent('k', 'first', 500), true);
  assert.equal(await s.setIfAbsent('k', 'second', 500), false);
  advance(t, 499);
  assert.equal(await s.setIfAbsent('k', 'second', 500), false);
  assert.equal(await s.get('k'), 'first');
  advance(t, 1);
  assert.equal(await s.setIfAbsent('k', 'second', 2000), true);
  assert.equal(await s.get('k'), 'second');
  advance(t, 1999);
  assert.equal(await s.get('k'), 'second');
});

test('compareAndSet writes only over the value it expects (or over nothing, expired included), with the TTL given', async (t) => {
  const s = clocked(t);
  assert.equal(await s.compareAndSet('k', 'x', 'v1', 1000), false);
  assert.equal(await s.get('k'), undefined);
  assert.equal(await s.compareAndSet('k', undefined, 'v1', 1000), true);
  assert.equal(await s.compareAndSet('k', undefined, 'v2', 1000), false);
  assert.equal(await s.compareAndSet('k', 'v0', 'v2', 1000), false);
  assert.equal(await s.compareAndSet('k', 'v1', 'v2', 24 * 3600_000), true);
  assert.equal(await s.get('k'), 'v2');
  advance(t, 24 * 3600_000 - 1);
  assert.equal(await s.get('k'), 'v2');
  advance(t, 1);
  assert.equal(await s.compareAndSet('k', 'v2', 'v3', 1000), false, 'an expired value is no longer there');
  assert.equal(await s.compareAndSet('k', undefined, 'v3', 1000), true);
});

test('a re-set key keeps its new expiry through sweeps of its old one; delete is final', async (t) => {
  const s = clocked(t);
  await s.set('a', '1', 500);
  await s.set('a', '2', 5_000);
  await s.set('b', '1', 500);
  await s.delete('b');
  await s.set('c', '1', 500);
  advance(t, 1_500);
  assert.equal(s.sweep(), 1, 'only c was due');
  assert.equal(await s.get('a'), '2');
  assert.equal(await s.get('b'), undefined);
  await s.set('b', 'again', 100);
  assert.equal(await s.get('b'), 'again');
  advance(t, 4_000);
  assert.equal(s.sweep(), 2);
  assert.equal(s.size, 0);
});

test('TTLs of 0 or less are expired at once and still swept', async (t) => {
  const s = clocked(t);
  advance(t, 10_000);
  s.sweep();
  await s.set('zero', 'v', 0);
  await s.set('neg', 'v', -5_000);
  assert.equal(s.size, 2);
  assert.equal(await s.setIfAbsent('zero', 'w', 1_000), true);
  advance(t, 2_000);
  assert.equal(s.sweep(), 2);
  assert.equal(s.size, 0);
});

test('after a long idle gap one sweep drops everything due without walking every second in between', async (t) => {
  const s = clocked(t);
  for (let i = 0; i < 1000; i++) await s.set(`k${i}`, 'v', 1_000 + i * 10);
  await s.set('long', 'v', 30 * 86_400_000);
  advance(t, 20 * 86_400_000);
  assert.equal(s.sweep(), 1000);
  assert.equal(await s.get('long'), 'v');
  advance(t, 10 * 86_400_000);
  assert.equal(s.sweep(), 1);
});

test('the same answers as a plain expiry-time model under any interleaving of writes, reads, deletes, time and sweeps', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: T0 });
  const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  // Short TTLs live in the off-heap table, long ones in Maps: a key moves between the two.
  const ttl = fc.oneof(fc.integer({ min: -100, max: 4_000 }), fc.constant(SHORT_TTL_MS + 1), fc.constant(SHORT_TTL_MS));
  // Lone surrogates cannot go through UTF-8: such values stay in Maps and must read back exactly.
  const value = fc.oneof(
    fc.string({ maxLength: 3 }),
    fc.string({ unit: 'binary', maxLength: 3 }),
    fc.constantFrom('\ud800', 'a\udc00'),
  );
  const op = fc.oneof(
    fc.record({ op: fc.constant('set' as const), key, ttl, value }),
    fc.record({ op: fc.constant('setIfAbsent' as const), key, ttl, value }),
    fc.record({ op: fc.constant('get' as const), key }),
    fc.record({ op: fc.constant('delete' as const), key }),
    fc.record({
      op: fc.constant('tick' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 2_500 }), fc.constant(SHORT_TTL_MS)),
    }),
    fc.record({ op: fc.constant('sweep' as const) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
      t.mock.timers.setTime(T0);
      const s = new MemoryStore(3_600_000);
      const model = new Map<string, { value: string; expiresAt: number }>();
      const live = (k: string) => {
        const e = model.get(k);
        return e && e.expiresAt > Date.now() ? e : undefined;
      };
      try {
        for (const o of ops) {
          switch (o.op) {
            case 'set':
              await s.set(o.key, o.value, o.ttl);
              model.set(o.key, { value: o.value, expiresAt: Date.now() + o.ttl });
              break;
            case 'setIfAbsent': {
              const won = !live(o.key);
              assert.equal(await s.setIfAbsent(o.key, o.value, o.ttl), won);
              if (won) model.set(o.key, { value: o.value, expiresAt: Date.now() + o.ttl });
              break;
            }
            case 'get':
              assert.equal(await s.get(o.key), live(o.key)?.value);
              break;
            case 'delete':
              await s.delete(o.key);
              model.delete(o.key);
              break;
            case 'tick':
              t.mock.timers.tick(o.ms);
              break;
            case 'sweep':
              s.sweep();
              for (const [k] of model) if (!live(k)) model.delete(k);
              assert.equal(s.size, model.size, 'after a sweep only live keys are held');
              break;
          }
        }
        for (const k of ['a', 'b', 'c', 'd', 'e']) assert.equal(await s.get(k), live(k)?.value);
      } finally {
        await s.close();
      }
    }),
    { numRuns: 300 },
  );
});

test('the timer sweeps a large backlog in chunks until nothing expired is held', async (t) => {
  const s = new MemoryStore(5);
  t.after(() => s.close());
  for (let i = 0; i < 20_000; i++) await s.set(`k${i}`, 'v', 1);
  await s.set('stays', 'v', 60_000);
  // Buckets are one second wide: the keys become sweepable once their second is over.
  for (let i = 0; i < 300 && s.size > 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.size, 1);
  assert.equal(await s.get('stays'), 'v');
});
