import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryStore } from '../../src/store/memory.js';
import { ShortLivedTable } from '../../src/store/short-lived.js';

test('holds, overwrites, deletes and sweeps 60 000 entries; values read back byte for byte', () => {
  const t = new ShortLivedTable();
  const key = (i: number) => `wxbot:default:dedupe:m:${7_000_000_000_000_000_000n + BigInt(i)}`;
  const value = (i: number, v: number) =>
    JSON.stringify({ kind: 'reply', reply: { MsgType: 'text', Content: `今天过得怎么样 ${i} 😀 v${v}` } });
  for (let i = 0; i < 60_000; i++) t.set(key(i), 'pending', 60_000 + i);
  for (let i = 0; i < 60_000; i++) t.set(key(i), value(i, 1), 60_000 + i);
  for (let i = 0; i < 60_000; i += 3) t.set(key(i), value(i, 2), 200_000);
  for (let i = 1; i < 60_000; i += 3) t.delete(key(i));
  assert.equal(t.size, 40_000);
  for (const i of [0, 2, 3, 59_999, 30_002])
    assert.equal(t.get(key(i), 1000), value(i, i % 3 === 0 ? 2 : 1), `key ${i}`);
  assert.equal(t.get(key(1), 1000), undefined);
  // Everything that expired by 130 s is dropped with its bytes; the overwritten third lives on.
  assert.equal(t.sweep(130_000).removed, 20_000);
  assert.equal(t.size, 20_000);
  assert.equal(t.get(key(5), 130_000), undefined);
  assert.equal(t.get(key(6), 130_000), value(6, 2));
  assert.equal(t.sweep(200_000, Infinity, true).removed, 20_000);
  assert.equal(t.size, 0);
});

test('keys of every length and script (hashed as UTF-8 bytes, a word at a time) behave as in a Map', () => {
  const t = new ShortLivedTable();
  const model = new Map<string, string>();
  const keys: string[] = [];
  for (let n = 0; n <= 40; n++) {
    keys.push('k'.repeat(n), '长'.repeat(n), `${'x'.repeat(n)}😀`);
    // Keys that differ only in their first character, and ones that differ only in their last.
    keys.push(`${String.fromCharCode(97 + (n % 26))}-same-tail-${'0'.repeat(n % 7)}`, `same-head-${n}`);
  }
  let seed = 7;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let step = 0; step < 20_000; step++) {
    const key = keys[next(keys.length)]!;
    const op = next(4);
    if (op === 0) {
      assert.equal(t.delete(key), model.delete(key), `delete ${JSON.stringify(key)}`);
    } else if (op === 1) {
      assert.equal(t.get(key, 0), model.get(key), `get ${JSON.stringify(key)}`);
    } else {
      const value = `${step} ${key}`;
      assert.equal(t.set(key, value, 60_000), true);
      model.set(key, value);
    }
  }
  assert.equal(t.size, model.size);
  for (const key of keys) assert.equal(t.get(key, 0), model.get(key), JSON.stringify(key));
  assert.equal(t.sweep(61_000).removed, model.size);
  assert.equal(t.size, 0);
});

test('a bounded sweep resumes where it stopped, also when entries are added to a second being swept', () => {
  const t = new ShortLivedTable();
  for (let i = 0; i < 10_000; i++) t.set(`k${i}`, 'v', 500);
  let removed = 0;
  let calls = 0;
  for (let more = true; more; calls++) {
    const r = t.sweep(5_000, 1_000);
    removed += r.removed;
    more = r.more;
    // An entry already expired is filed in the oldest second not yet swept.
    if (calls === 2) t.set('late', 'v', 0);
  }
  assert.ok(calls >= 10, `${calls} calls`);
  assert.equal(removed, 10_001);
  assert.equal(t.size, 0);
});

test('keys the table cannot carry exactly stay in Maps: lone surrogates, very long keys', async (t) => {
  assert.equal(ShortLivedTable.accepts('wxbot:a'), true);
  assert.equal(ShortLivedTable.accepts('k\ud800'), false);
  assert.equal(ShortLivedTable.accepts('k', 'v\udc00'), false);
  assert.equal(ShortLivedTable.accepts('x'.repeat(5000)), false);
  const s = new MemoryStore();
  t.after(() => s.close());
  for (const [k, v] of [
    ['k\ud800', 'a'],
    ['k', 'v\udc00'],
    ['x'.repeat(5000), '长'],
    ['短', '值'],
  ] as const) {
    await s.set(k, v, 60_000);
    assert.equal(await s.get(k), v);
    assert.equal(await s.setIfAbsent(k, 'other', 60_000), false);
  }
  assert.equal(s.size, 4);
});

test('60 s of dedupe entries at 2000 messages/s live off the JS heap', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = new MemoryStore();
  t.after(() => s.close());
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 120_000; i++) {
    const key = `wxbot:default:dedupe:m:${7_000_000_000_000_000_000n + BigInt(i)}`;
    await s.setIfAbsent(key, 'pending', 60_000);
    await s.set(
      key,
      JSON.stringify({ kind: 'reply', reply: { MsgType: 'text', Content: `今天过得怎么样 ${i}` } }),
      60_000,
    );
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(s.size, 120_000);
  // As strings in Maps the same entries took ~45 MB of heap (measured: ~380 bytes each).
  assert.ok(grown < 8 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MB`);
});
