import { WxbotError } from '../protocol/errors.js';
import type { Store } from '../store/store.js';

/** Sessions hold small state; a cap keeps one chatty user from filling Redis. */
export const SESSION_MAX_BYTES = 64 * 1024;

/**
 * Small per-user JSON state kept in the store under `wxbot:<appId>:session:<namespace>:<openid>`,
 * so it is shared by every replica when the store is Redis. Every write renews the TTL.
 */
export class Session<T = Record<string, unknown>> {
  readonly key: string;
  readonly #store: Store;
  readonly #ttlMs: number;

  constructor(store: Store, key: string, ttlMs: number) {
    this.#store = store;
    this.key = key;
    this.#ttlMs = ttlMs;
  }

  async get(): Promise<T | undefined> {
    const raw = await this.#store.get(this.key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined; // a corrupt value is treated as no session rather than failing the reply
    }
  }

  async set(value: T, ttlMs = this.#ttlMs): Promise<void> {
    const raw = JSON.stringify(value);
    if (raw === undefined) throw new WxbotError('SESSION_INVALID', 'session value must be JSON-serialisable');
    if (Buffer.byteLength(raw) > SESSION_MAX_BYTES) {
      throw new WxbotError('SESSION_TOO_LARGE', `session value is larger than ${SESSION_MAX_BYTES} bytes`);
    }
    await this.#store.set(this.key, raw, ttlMs);
  }

  /** Read-modify-write in one call (last writer wins; sessions are per user, so races are rare). */
  async update(fn: (current: T | undefined) => T | Promise<T>): Promise<T> {
    const next = await fn(await this.get());
    await this.set(next);
    return next;
  }

  async clear(): Promise<void> {
    await this.#store.delete(this.key);
  }
}
