import type { Store } from '../store/store.js';

/**
 * Takes one of `limit` numbered slots under `baseKey` and returns its number (1-based), or
 * undefined when all are taken. Built on setIfAbsent alone, so it is atomic across replicas on
 * any Store (no INCR needed); `limit` is small (≤ 20) wherever this is used.
 */
export async function claimSlot(
  store: Store,
  baseKey: string,
  limit: number,
  ttlMs: number,
): Promise<number | undefined> {
  for (let i = 1; i <= limit; i++) {
    if (await store.setIfAbsent(`${baseKey}:${i}`, '1', ttlMs)) return i;
  }
  return undefined;
}

/** WeChat's daily quotas reset at midnight Beijing time (UTC+8): the day's label and what is left of it. */
export function beijingDay(now: number): { day: string; msLeft: number } {
  const shifted = now + 8 * 3_600_000;
  const day = new Date(shifted).toISOString().slice(0, 10);
  const msLeft = 86_400_000 - (shifted % 86_400_000);
  return { day, msLeft };
}
