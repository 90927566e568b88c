export type { LocalStore, Store } from './store.js';
export { isLocalStore } from './store.js';
export { MEMORY_MAX_ENTRIES, MemoryStore, type MemoryStoreOptions } from './memory.js';
export { openStore } from './open.js';
export { StoreError, maskRedisUrl, type StoreErrorCode } from './errors.js';
// redis.ts itself is light: ioredis is imported inside RedisStore.connect, on demand.
export { RedisStore, type RedisStoreOptions } from './redis.js';
