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
  const items = Array.from({ length: 500 }, (_, i) => q.add(Date.now() + 10_000 + i, { fire: () => assert.fail('cancelled deadline fired') }));
  for (const it of items) it.cancel();
  assert.equal(q.size, 0);
});

test('a deadline added from inside fire() is honoured', async () => {
  const q = new DeadlineQueue();
  const fired: number[] = [];
  q.add(Date.now() + 10, { fire: () => {
    fired.push(1);
    q.add(Date.now() + 10, { fire: () => fired.push(2) });
  } });
  await sleep(80);
  assert.deepEqual(fired, [1, 2]);
});
