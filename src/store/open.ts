import { MemoryStore } from './memory.js';
import type { Store } from './store.js';

/**
 * The store for a process: Redis when a URL is given (shared by every replica), memory otherwise.
 * The Redis client is imported only here, on demand, to keep start-up fast.
 */
export async function openStore(redisUrl?: string): Promise<Store> {
  if (!redisUrl) return new MemoryStore();
  const { RedisStore } = await import('./redis.js');
  return RedisStore.connect(redisUrl);
}
