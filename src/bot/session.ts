import { WxbotError } from '../protocol/errors.js';
import { compareAndSet } from '../store/atomic.js';
import type { Store } from '../store/store.js';

/** Sessions hold small state; a cap keeps one chatty user from filling Redis. */
export const SESSION_MAX_BYTES = 64 * 1024;
/** Tries of one update() whose write keeps finding the session changed by another replica. */
const UPDATE_ATTEMPTS = 20;

/**
 * The last update() queued for each session key of a store, while any is queued: the next one waits
 * for it. A key's entry goes when its last update is done, so the map only holds sessions being updated.
 */
const queues = new WeakMap<Store, Map<string, Promise<void>>>();

/** Runs `step` once every earlier step queued for the same store and key has finished. */
async function inTurn<R>(store: Store, key: string, step: () => Promise<R>): Promise<R> {
  let queue = queues.get(store);
  if (!queue) {
    queue = new Map();
    queues.set(store, queue);
  }
  const before = queue.get(key);
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  queue.set(key, mine);
  try {
    await before;
    return await step();
  } finally {
    done();
    if (queue.get(key) === mine) queue.delete(key);
  }
}

/** Session keys of `store` with an update() queued or running now (0 when all are done). */
export function updatesInProgress(store: Store): number {
  return queues.get(store)?.size ?? 0;
}

function decode<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined; // a corrupt value is treated as no session rather than failing the reply
  }
}

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
    return decode<T>(await this.#store.get(this.key));
  }

  async set(value: T, ttlMs = this.#ttlMs): Promise<void> {
    await this.#store.set(this.key, encode(value), ttlMs);
  }

  /**
   * Read, change, write as one step: concurrent updates of one session never lose each other's
   * change. In this process they take turns; across replicas (Redis) the write lands only if the
   * session still holds what `fn` was given, else `fn` runs again on the newer value. So keep `fn`
   * free of side effects, and do not update the same session from inside it (it would wait for itself).
   */
  update(fn: (current: T | undefined) => T | Promise<T>): Promise<T> {
    return inTurn(this.#store, this.key, () => this.#update(fn));
  }

  async #update(fn: (current: T | undefined) => T | Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const raw = await this.#store.get(this.key);
      const next = await fn(decode<T>(raw));
      if (await compareAndSet(this.#store, this.key, raw, encode(next), this.#ttlMs)) return next;
      if (attempt === UPDATE_ATTEMPTS) {
        throw new WxbotError(
          'SESSION_CONFLICT',
          `the session changed under each of ${UPDATE_ATTEMPTS} tries to update it (other replicas keep writing it); try again`,
        );
      }
      // A random pause, so two replicas that keep colliding fall out of step.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(5 * attempt, 50)));
    }
  }

  async clear(): Promise<void> {
    await this.#store.delete(this.key);
  }
}

function encode(value: unknown): string {
  const raw = JSON.stringify(value);
  if (raw === undefined) throw new WxbotError('SESSION_INVALID', 'session value must be JSON-serialisable');
  if (Buffer.byteLength(raw) > SESSION_MAX_BYTES) {
    throw new WxbotError('SESSION_TOO_LARGE', `session value is larger than ${SESSION_MAX_BYTES} bytes`);
  }
  return raw;
}
