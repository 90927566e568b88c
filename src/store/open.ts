import { MemoryStore, type MemoryStoreOptions } from './memory.js';
import type { Store } from './store.js';

/**
 * Opens the store for a process: Redis when a URL is given (shared by every replica), memory otherwise.
 * The Redis client is imported only here, on demand, to keep start-up fast.
 *
 * @example
 * ```ts
 * import { createHandler, openStore } from 'wxbot';
 *
 * const store = await openStore(process.env.REDIS_URL); // e.g. redis://:password@10.0.0.5:6379/0
 * const handler = createHandler(bot, { token: process.env.WECHAT_TOKEN!, store });
 * ```
 */
export async function openStore(redisUrl?: string, memory: MemoryStoreOptions = {}): Promise<Store> {
  if (!redisUrl) return new MemoryStore(memory);
  const { RedisStore } = await import('./redis.js');
  return RedisStore.connect(redisUrl);
}
