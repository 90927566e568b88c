/**
 * The store's optional atomic steps (renew a lease, count, take once, compare and set), with a plain get/set stand-in
 * for a store that lacks them (a user's own Store): right on one replica, racy across several.
 */
import type { Store } from './store.js';

/** Extends a claim's TTL while it still holds `value`. */
export async function renewLease(store: Store, key: string, value: string, ttlMs: number): Promise<boolean> {
  if (store.renew) return store.renew(key, value, ttlMs);
  if ((await store.get(key)) !== value) return false;
  await store.set(key, value, ttlMs);
  return true;
}

/** Counts one more (a delivery of a message); the first count sets the TTL. */
export async function incrementCounter(store: Store, key: string, ttlMs: number): Promise<number> {
  if (store.increment) return store.increment(key, ttlMs);
  const n = Number.parseInt((await store.get(key)) ?? '0', 10) + 1;
  await store.set(key, String(n), ttlMs);
  return n;
}

/** Reads a value and deletes it: a pending answer is handed out once. */
export async function takeOnce(store: Store, key: string): Promise<string | undefined> {
  if (store.take) return store.take(key);
  const v = await store.get(key);
  if (v !== undefined) await store.delete(key);
  return v;
}

/** Writes `value` while the key still holds `expected` (undefined: absent): a change made meanwhile is not overwritten. */
export async function compareAndSet(
  store: Store,
  key: string,
  expected: string | undefined,
  value: string,
  ttlMs: number,
): Promise<boolean> {
  if (store.compareAndSet) return store.compareAndSet(key, expected, value, ttlMs);
  if ((await store.get(key)) !== expected) return false;
  await store.set(key, value, ttlMs);
  return true;
}
