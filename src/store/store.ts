/**
 * The small key/value store behind retry dedupe, access_token caching and sessions.
 * Values are strings (callers JSON-encode); every write carries a TTL so nothing lives forever.
 */
export interface Store {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomically sets the key only when absent; true when this caller won. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Releases connections/timers; the store is unusable afterwards. */
  close(): Promise<void>;
  /**
   * Whether the service behind the store answers now (for `GET /healthz`). A store without it
   * (memory) is always reachable. Must not throw.
   */
  ping?(): Promise<boolean>;
  /**
   * Extends the TTL only while the key still holds `value` (a claim renewed by its owner, never one
   * another replica took over or an outcome written since); true when it did. Optional: see atomic.ts.
   */
  renew?(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Adds one to a counter (created at 1 with `ttlMs`) and returns the new count. Optional: see atomic.ts. */
  increment?(key: string, ttlMs: number): Promise<number>;
  /** Reads and deletes the key in one step, so exactly one caller gets the value. Optional: see atomic.ts. */
  take?(key: string): Promise<string | undefined>;
  /**
   * Writes `value` only while the key still holds `expected` (undefined: while it is absent), in one
   * step; true when it did. Optional: see atomic.ts.
   */
  compareAndSet?(key: string, expected: string | undefined, value: string, ttlMs: number): Promise<boolean>;
}

/**
 * A store in this process's memory: the same operations, answered at once. The dispatcher uses these
 * on the request path, which then waits on no promise for retry dedupe.
 */
export interface LocalStore extends Store {
  readonly local: true;
  getNow(key: string): string | undefined;
  setNow(key: string, value: string, ttlMs: number): void;
  setIfAbsentNow(key: string, value: string, ttlMs: number): boolean;
}

export function isLocalStore(store: Store): store is LocalStore {
  return (store as Partial<LocalStore>).local === true;
}
