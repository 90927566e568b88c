import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue } from '../../src/bot/deadline-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('deadlines fire once, in time order, and cancelled ones never fire', async () => {
  const q = new DeadlineQueue();
  const fired: string[] = [];
  const t0 = Date.now();
  q.add(t0 + 60, { fire: () => fired.push('c') });
  q.add(t0 + 20, { fire: () => fired.push('a') });
  const b = q.add(t0 + 40, { fire: () => fired.push('b') });
  q.add(t0 + 40, { fire: () => fired.push('b2') });
  assert.equal(q.size, 4);
  b.cancel();
  b.cancel();
  assert.equal(q.size, 3);
  await sleep(120);
  assert.deepEqual(fired, ['a', 'b2', 'c']);
  assert.equal(q.size, 0);
});

test('with every deadline cancelled nothing is left waiting', () => {
  const q = new DeadlineQueue();
  const items = Array.from({ length: 500 }, (_, i) =>
    q.add(Date.now() + 10_000 + i, { fire: () => assert.fail('cancelled deadline fired') }),
  );
  for (const it of items) it.cancel();
  assert.equal(q.size, 0);
});

test('a deadline added from inside fire() is honoured', async () => {
  const q = new DeadlineQueue();
  const fired: number[] = [];
  q.add(Date.now() + 10, {
    fire: () => {
      fired.push(1);
      q.add(Date.now() + 10, { fire: () => fired.push(2) });
    },
  });
  await sleep(80);
  assert.deepEqual(fired, [1, 2]);
});

test("an idle queue keeps no ref'd timer, and a deadline added later still fires on time", async () => {
  const q = new DeadlineQueue();
  const a = q.add(Date.now() + 30, { fire: () => assert.fail('cancelled deadline fired') });
  a.cancel();
  // The stale timer (unref'd) fires at +30 ms and must re-arm for the live deadline at +60 ms.
  const fired: number[] = [];
  const t0 = Date.now();
  q.add(t0 + 60, { fire: () => fired.push(Date.now() - t0) });
  await sleep(45);
  assert.deepEqual(fired, []);
  await sleep(60);
  assert.equal(fired.length, 1);
  assert.ok(fired[0]! >= 59, `fired at ${fired[0]} ms`);
  assert.equal(q.size, 0);
});

test('a process whose only deadlines were cancelled exits at once', async () => {
  const { spawnSync } = await import('node:child_process');
  const src = new URL('../../src/bot/deadline-queue.ts', import.meta.url).href;
  const code = `import { DeadlineQueue } from ${JSON.stringify(src)};
const q = new DeadlineQueue();
for (let i = 0; i < 3; i++) q.add(Date.now() + 60_000, { fire() {} }).cancel();`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 < 20_000, 'the process waited for a cancelled deadline');
});

test('against a model: random arrivals, cancels in any order, fronts dropped and compacted, empty-and-refill', async () => {
  const q = new DeadlineQueue();
  const t0 = Date.now() + 30;
  const fired: number[] = [];
  const want: { at: number; id: number }[] = [];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  // Emptied and refilled once per message, as under steady traffic.
  for (let i = 0; i < 300; i++) q.add(t0 + 10_000, { fire: () => assert.fail('cancelled') }).cancel();
  assert.equal(q.size, 0);
  // Mostly in order with some late arrivals; a third cancelled, many from the front (compaction).
  const live: { cancel(): void }[] = [];
  for (let id = 0; id < 400; id++) {
    const at = t0 + (id < 200 ? id % 40 : rand(40));
    const d = q.add(at, { fire: () => fired.push(id) });
    if (id % 3 === 0 || (id > 100 && id < 180)) live.push(d);
    else want.push({ at, id });
  }
  for (const d of live.reverse()) d.cancel();
  assert.equal(q.size, want.length);
  await sleep(120);
  // Every live deadline fired once, in time order (ties in arrival order).
  want.sort((a, b) => a.at - b.at || a.id - b.id);
  assert.deepEqual(
    fired,
    want.map((w) => w.id),
  );
  assert.equal(q.size, 0);
});
