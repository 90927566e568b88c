import { SHORT_TTL_MS, ShortLivedTable } from './short-lived.js';
import type { LocalStore } from './store.js';
/** Expiry lists are kept per second: a sweep only visits keys that were due in a second that is over. */
const BUCKET_MS = 1000;
/** Most keys one timer tick looks at; the rest wait for the next turn of the event loop. */
const SWEEP_CHUNK = 4096;
/**
 * Keys are spread over this many Maps. A Map grows by copying itself into one twice the size, which
 * for a single Map of ~500k dedupe keys blocks the event loop for 100+ ms; 64 Maps each grow 64× smaller.
 */
const SHARDS = 64;
/**
 * Long-lived entries (sessions, chat memories, tokens) kept at most, by default: each user has one
 * session per namespace and one chat memory, so this bounds the users whose state is kept.
 */
export const MEMORY_MAX_ENTRIES = 100_000;

export interface MemoryStoreOptions {
  /** How often expired entries are swept (ms). Default 1000. */
  sweepIntervalMs?: number;
  /**
   * Most long-lived entries (TTL over 5 minutes) kept; past it the least recently used (read or
   * written) is dropped, as if it had expired. Default MEMORY_MAX_ENTRIES.
   */
  maxEntries?: number;
}

/** Which shard holds a key: a cheap hash of its length and last characters (where ids differ). */
function shardOf(key: string): number {
  let h = key.length;
  for (let i = Math.max(0, key.length - 8); i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return h & (SHARDS - 1);
}

/**
 * In-process store: the zero-set-up default for a single replica.
 *
 * Built for retry dedupe under load, where it holds ~60 s of keys (hundreds of thousands). Entries
 * with a TTL up to SHORT_TTL_MS (dedupe, locks, short windows) live off the JS heap in a
 * ShortLivedTable, so they cost the garbage collector nothing per entry. Longer-lived ones (sessions,
 * tokens: few, rewritten in place) live in flat Maps: no object per entry (values and expiry times in
 * separate Maps; times relative to the store's creation so they stay small integers V8 stores
 * unboxed), keys spread over 64 shards so no Map grows by copying hundreds of thousands of entries at
 * once, and expiry swept from per-second lists of keys, a bounded chunk per turn. A key is in one of
 * the two at a time. Expiry is exact all the same: reads compare against each key's own expiry time.
 */
export class MemoryStore implements LocalStore {
  readonly local = true;
  readonly #values = Array.from({ length: SHARDS }, () => new Map<string, string>());
  /** Expiry time minus #epoch, in ms; same shard as the value. */
  readonly #expiry = Array.from({ length: SHARDS }, () => new Map<string, number>());
  readonly #epoch = Date.now();
  /** Bucket number (relative expiry / BUCKET_MS, floored) → keys that were set to expire in it. */
  readonly #buckets = new Map<number, string[]>();
  /** Buckets below this number are swept. */
  #swept = 0;
  #timer: NodeJS.Timeout | undefined;
  #continuation: NodeJS.Immediate | undefined;
  #closed = false;
  readonly #short = new ShortLivedTable();
  /** The long-lived keys, least recently used first (a Set keeps insertion order). */
  readonly #recent = new Set<string>();
  readonly #maxEntries: number;
  /** Keys listed in #buckets, stale listings included (see #compact). */
  #listed = 0;
  #evicted = 0;

  constructor(options: MemoryStoreOptions | number = {}) {
    const o = typeof options === 'number' ? { sweepIntervalMs: options } : options;
    const sweepIntervalMs = o.sweepIntervalMs ?? BUCKET_MS;
    this.#maxEntries = Math.max(1, o.maxEntries ?? MEMORY_MAX_ENTRIES);
    // Lazy expiry alone would keep keys nobody reads again; the sweep bounds memory.
    this.#timer = setInterval(() => this.#sweepSome(), sweepIntervalMs);
    this.#timer.unref();
  }

  /** Drops the key if it has expired at `now`; true when it did (or was not there). */
  #expire(key: string, shard: number, now: number): boolean {
    const at = this.#expiry[shard]!.get(key);
    if (at === undefined) return true;
    if (at + this.#epoch > now) return false;
    this.#values[shard]!.delete(key);
    this.#expiry[shard]!.delete(key);
    this.#recent.delete(key);
    return true;
  }

  /** Marks a long-lived key as just used; drops the least recently used past the cap. */
  #touch(key: string): void {
    const recent = this.#recent;
    recent.delete(key);
    recent.add(key);
    while (recent.size > this.#maxEntries) {
      const oldest = recent.values().next().value as string;
      this.#drop(oldest, shardOf(oldest));
      this.#evicted++;
    }
  }

  /**
   * Drops the listings of keys that are gone (dropped, evicted) or listed again in a later second
   * (rewritten with a new TTL), once they outnumber the live keys: a session renewed on every message
   * would otherwise be listed once per message for a whole day.
   */
  #compact(): void {
    const seen = new Set<string>();
    let listed = 0;
    for (const b of [...this.#buckets.keys()].sort((x, y) => x - y)) {
      const list = this.#buckets.get(b)!;
      let kept = 0;
      for (const key of list) {
        const at = this.#expiry[shardOf(key)]!.get(key);
        // Listed where it will be swept once expired: the first second at or after its expiry's.
        if (at === undefined || Math.floor(at / BUCKET_MS) > b || seen.has(key)) continue;
        seen.add(key);
        list[kept++] = key;
      }
      list.length = kept;
      if (kept === 0) this.#buckets.delete(b);
      listed += kept;
    }
    this.#listed = listed;
  }

  /** `before`: the key's current relative expiry if it is live, else undefined. */
  #put(key: string, shard: number, value: string, ttlMs: number, now: number, before: number | undefined): void {
    const at = now + ttlMs - this.#epoch;
    // A time already swept past (a TTL <= 0) goes in the next bucket to sweep, or it would never be.
    const bucket = Math.max(Math.floor(at / BUCKET_MS), this.#swept);
    this.#values[shard]!.set(key, value);
    this.#expiry[shard]!.set(key, at);
    this.#touch(key);
    // Already listed in that bucket (a live key's bucket has not been swept yet): list it once.
    if (before !== undefined && Math.floor(before / BUCKET_MS) === bucket) return;
    let list = this.#buckets.get(bucket);
    if (!list) {
      list = [];
      this.#buckets.set(bucket, list);
    }
    list.push(key);
    if (++this.#listed > 2 * this.#recent.size + 4096) this.#compact();
  }

  async get(key: string): Promise<string | undefined> {
    return this.getNow(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.setNow(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.setIfAbsentNow(key, value, ttlMs);
  }

  async renew(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.getNow(key) !== value) return false;
    this.setNow(key, value, ttlMs);
    return true;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    return this.incrementNow(key, ttlMs);
  }

  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs: number): Promise<boolean> {
    if (this.getNow(key) !== expected) return false;
    this.setNow(key, value, ttlMs);
    return true;
  }

  async take(key: string): Promise<string | undefined> {
    return this.takeNow(key);
  }

  /** increment() without a promise: the count's TTL is set by the first count and kept after. */
  incrementNow(key: string, ttlMs: number): number {
    const before = this.getNow(key);
    const n = (before === undefined ? 0 : Number.parseInt(before, 10) || 0) + 1;
    if (before === undefined) this.setNow(key, String(n), ttlMs);
    else this.#keepExpiry(key, String(n));
    return n;
  }

  /** take() without a promise. */
  takeNow(key: string): string | undefined {
    const v = this.getNow(key);
    if (v !== undefined) void this.delete(key);
    return v;
  }

  // Rewrites a live key's value with the time it has left.
  #keepExpiry(key: string, value: string): void {
    const shard = shardOf(key);
    const long = this.#expiry[shard]!.get(key);
    const shortAt = long === undefined && this.#shortKey(key) ? this.#short.expiryOf(key) : undefined;
    const at = long ?? shortAt;
    const left = at === undefined ? 1 : Math.max(1, at + this.#epoch - Date.now());
    this.#write(key, shard, value, left, Date.now());
  }

  /** The last key the table accepted: dedupe reads a key and then writes it, and the check scans it. */
  #acceptedKey: string | undefined;

  #shortKey(key: string): boolean {
    if (key === this.#acceptedKey) return true;
    if (!ShortLivedTable.acceptsKey(key)) return false;
    this.#acceptedKey = key;
    return true;
  }

  getNow(key: string): string | undefined {
    const now = Date.now();
    if (this.#shortKey(key)) {
      const v = this.#short.get(key, now - this.#epoch);
      if (v !== undefined) return v;
    }
    const shard = shardOf(key);
    // Most shards hold no long-lived key at all: no lookup (and no hashing of the key) then.
    if (this.#expiry[shard]!.size === 0) return undefined;
    if (this.#expire(key, shard, now)) return undefined;
    const value = this.#values[shard]!.get(key);
    if (value !== undefined) this.#touch(key);
    return value;
  }

  setNow(key: string, value: string, ttlMs: number): void {
    this.#write(key, shardOf(key), value, ttlMs, Date.now());
  }

  setIfAbsentNow(key: string, value: string, ttlMs: number): boolean {
    const shard = shardOf(key);
    const now = Date.now();
    // Most shards hold no long-lived key at all: no lookup (and no hashing of the key) then.
    const long = this.#expiry[shard]!;
    const before = long.size === 0 ? undefined : long.get(key);
    if (before !== undefined && before + this.#epoch > now) return false;
    const shortKey = this.#shortKey(key);
    if (ttlMs <= SHORT_TTL_MS && shortKey) {
      // One lookup claims it there; an expired copy in the Maps goes.
      const r = this.#short.setIfAbsent(key, value, now + ttlMs - this.#epoch, now - this.#epoch);
      if (r === 0) return false;
      if (r === 1) {
        if (before !== undefined) this.#drop(key, shard);
        return true;
      }
      // A value the table cannot hold: no live copy there (it looked), so the Maps take it.
      this.#write(key, shard, value, ttlMs, now);
      return true;
    }
    if (shortKey) {
      const at = this.#short.expiryOf(key);
      if (at !== undefined && at + this.#epoch > now) return false;
    }
    // Absent or expired: the new value and expiry replace it (an expired key's old listing is skipped when swept).
    this.#write(key, shard, value, ttlMs, now);
    return true;
  }

  /** Writes the entry where its TTL belongs and drops any copy from the other place. */
  #write(key: string, shard: number, value: string, ttlMs: number, now: number): void {
    const shortKey = this.#shortKey(key);
    if (ttlMs <= SHORT_TTL_MS && shortKey && this.#short.set(key, value, now + ttlMs - this.#epoch)) {
      const long = this.#expiry[shard]!;
      if (long.size !== 0 && long.has(key)) this.#drop(key, shard);
      return;
    }
    if (shortKey) this.#short.delete(key);
    const before = this.#expiry[shard]!.get(key);
    this.#put(key, shard, value, ttlMs, now, before !== undefined && before + this.#epoch > now ? before : undefined);
  }

  async delete(key: string): Promise<void> {
    if (ShortLivedTable.acceptsKey(key)) this.#short.delete(key);
    this.#drop(key, shardOf(key));
  }

  // Its bucket entry stays and is skipped when swept (the key is no longer there).
  #drop(key: string, shard: number): void {
    this.#values[shard]!.delete(key);
    this.#expiry[shard]!.delete(key);
    this.#recent.delete(key);
  }

  /**
   * Drops every expired entry now (whole due buckets, however many, and the expired part of the
   * current one); returns how many were removed. The timer does the same in bounded chunks.
   */
  sweep(now = Date.now()): number {
    let removed = this.#sweepUpTo(now, Infinity).removed + this.#short.sweep(now - this.#epoch, Infinity, true).removed;
    const current = this.#buckets.get(Math.floor((now - this.#epoch) / BUCKET_MS));
    if (current) {
      let kept = 0;
      for (const key of current) {
        const shard = shardOf(key);
        if (!this.#expiry[shard]!.has(key)) continue;
        if (this.#expire(key, shard, now)) removed++;
        else current[kept++] = key;
      }
      this.#listed -= current.length - kept;
      current.length = kept;
    }
    return removed;
  }

  /** Timer tick: a bounded chunk; if more is due, carries on after I/O has had its turn. */
  #sweepSome(): void {
    this.#continuation = undefined;
    if (this.#closed) return;
    const now = Date.now();
    const maps = this.#sweepUpTo(now, SWEEP_CHUNK);
    const short = this.#short.sweep(now - this.#epoch, SWEEP_CHUNK);
    if (maps.more || short.more) {
      this.#continuation = setImmediate(() => this.#sweepSome());
      this.#continuation.unref();
    }
  }

  #sweepUpTo(now: number, budget: number): { removed: number; more: boolean } {
    // Buckets entirely in the past: every key still listed there with that expiry has expired.
    const due = Math.floor((now - this.#epoch) / BUCKET_MS); // buckets < due are over
    let removed = 0;
    let visited = 0;
    const first = this.#swept;
    if (due <= first) return { removed, more: false };
    const order =
      due - first > this.#buckets.size
        ? // Long idle gap: visit the (few) existing buckets instead of every second in between.
          [...this.#buckets.keys()].filter((b) => b < due).sort((a, b) => a - b)
        : undefined;
    const count = order ? order.length : due - first;
    for (let i = 0; i < count; i++) {
      const b = order ? order[i]! : first + i;
      const list = this.#buckets.get(b);
      if (list) {
        while (list.length > 0) {
          if (visited >= budget) return { removed, more: true };
          const key = list.pop()!;
          visited++;
          this.#listed--;
          const shard = shardOf(key);
          // Re-set since (a later expiry, listed in its own bucket) or deleted: nothing to drop.
          if (this.#expiry[shard]!.has(key) && this.#expire(key, shard, now)) removed++;
        }
        this.#buckets.delete(b);
      }
      if (!order) this.#swept = b + 1;
    }
    this.#swept = due;
    return { removed, more: false };
  }

  /** Long-lived entries dropped so far because the cap was reached (least recently used first). */
  get evicted(): number {
    return this.#evicted;
  }

  /** Long-lived entries held now (at most the cap). */
  get longLived(): number {
    return this.#recent.size;
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    let n = this.#short.size;
    for (const m of this.#values) n += m.size;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#continuation) clearImmediate(this.#continuation);
    for (const m of this.#values) m.clear();
    for (const m of this.#expiry) m.clear();
    this.#buckets.clear();
    this.#recent.clear();
    this.#listed = 0;
    this.#short.clear();
  }
}
