import type { Store } from './store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process store: the zero-set-up default for a single replica. */
export class MemoryStore implements Store {
  readonly #map = new Map<string, Entry>();
  readonly #timer: NodeJS.Timeout;

  constructor(sweepIntervalMs = 30_000) {
    // Lazy expiry alone would keep keys nobody reads again; a sweep bounds memory.
    this.#timer = setInterval(() => this.sweep(), sweepIntervalMs);
    this.#timer.unref();
  }

  #live(key: string, now = Date.now()): Entry | undefined {
    const e = this.#map.get(key);
    if (e && e.expiresAt <= now) {
      this.#map.delete(key);
      return undefined;
    }
    return e;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#map.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#map.set(key, { value, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#map.delete(key);
  }

  /** Drops expired entries; returns how many were removed. */
  sweep(now = Date.now()): number {
    let n = 0;
    for (const [k, e] of this.#map) {
      if (e.expiresAt <= now) {
        this.#map.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.#map.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#map.clear();
  }
}
