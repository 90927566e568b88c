/** Entries with a TTL up to this go to a ShortLivedTable; longer ones (sessions, tokens) stay in Maps. */
export const SHORT_TTL_MS = 5 * 60_000;
/** Keys longer than this in UTF-8 (none in practice) are kept in Maps. */
export const MAX_KEY_BYTES = 4096;

const BUCKET_MS = 1000;
const HEADER = 16; // f64 expiry (ms, relative), u32 key bytes, u32 value bytes; then the key, then the value
const SHARDS = 64;
const MIN_CHUNK = 4096;
const MAX_CHUNK = 256 * 1024;
const FREE = -1;

// String.prototype.isWellFormed (Node >= 20; typed from ES2024 on).
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function fnv1a(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** One part of the index: open addressing with linear probing; a slot holds a hash and where its record is. */
class Shard {
  hash = new Uint32Array(16);
  chunk = new Int32Array(16).fill(FREE);
  offset = new Int32Array(16);
  count = 0;
}

/** The records of the entries expiring in one second, appended to chunks that are freed together. */
class Bucket {
  readonly chunks: number[] = [];
  /** Bytes written in each chunk. */
  readonly ends: number[] = [];
  capacity = 0;
  /** Sweep position: chunk number and byte offset. */
  doneChunks = 0;
  doneOffset = 0;
}

/**
 * Off-heap storage for short-lived entries (retry dedupe keys above all). Keys and values are UTF-8
 * bytes in Buffers grouped by the second they expire in, found through hash indexes in typed arrays;
 * a second's Buffers are dropped together once it has passed. The garbage collector sees a few
 * Buffers and typed arrays instead of two strings and two Map slots per entry. As strings, a 60 s
 * window at 2000 messages/s (120k entries) was promoted into the old generation at the request rate,
 * which brought a mark-compact every ~5 s that marked all of them on the event loop's core: p99 of a
 * request went from ~3 ms (1 s window) to 10–60 ms. Times are ms relative to the owner's epoch.
 * Overwritten and deleted records keep their bytes until their second is dropped, at most SHORT_TTL_MS.
 */
export class ShortLivedTable {
  readonly #shards = Array.from({ length: SHARDS }, () => new Shard());
  readonly #chunks: (Buffer | undefined)[] = [];
  readonly #freeIds: number[] = [];
  readonly #buckets = new Map<number, Bucket>();
  readonly #scratch = Buffer.allocUnsafeSlow(MAX_KEY_BYTES);
  #swept = 0;
  #count = 0;

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#count;
  }

  /**
   * Whether the table can hold this key (and value): its UTF-8 form fits MAX_KEY_BYTES, and both
   * are well-formed UTF-16, so they read back exactly (a lone surrogate would come back as U+FFFD).
   */
  static accepts(key: string, value = ''): boolean {
    return (key.length * 3 <= MAX_KEY_BYTES || Buffer.byteLength(key) <= MAX_KEY_BYTES) && wellFormed(key) && wellFormed(value);
  }

  /** The slot of `key` in its shard, or ~(the free slot where it would go). Leaves the key's bytes in scratch. */
  #find(key: string): { shard: Shard; slot: number; hash: number; klen: number } {
    const klen = this.#scratch.write(key, 0, 'utf8');
    const hash = fnv1a(this.#scratch, 0, klen);
    const shard = this.#shards[hash & (SHARDS - 1)]!;
    const mask = shard.hash.length - 1;
    let i = (hash >>> 6) & mask;
    for (; shard.chunk[i] !== FREE; i = (i + 1) & mask) {
      if (shard.hash[i] !== hash) continue;
      const buf = this.#chunks[shard.chunk[i]!]!;
      const at = shard.offset[i]!;
      if (buf.readUInt32LE(at + 8) === klen && buf.compare(this.#scratch, 0, klen, at + HEADER, at + HEADER + klen) === 0) {
        return { shard, slot: i, hash, klen };
      }
    }
    return { shard, slot: ~i, hash, klen };
  }

  #expiryAt(s: Shard, slot: number): number {
    return this.#chunks[s.chunk[slot]!]!.readDoubleLE(s.offset[slot]!);
  }

  /** The entry's value if it is live at `now`; an expired entry is dropped. */
  get(key: string, now: number): string | undefined {
    const { shard, slot, klen } = this.#find(key);
    if (slot < 0) return undefined;
    const buf = this.#chunks[shard.chunk[slot]!]!;
    const at = shard.offset[slot]!;
    if (buf.readDoubleLE(at) <= now) {
      this.#removeAt(shard, slot);
      return undefined;
    }
    const start = at + HEADER + klen;
    return buf.toString('utf8', start, start + buf.readUInt32LE(at + 12));
  }

  /** The expiry time of the entry if it is held (live or not yet swept). */
  expiryOf(key: string): number | undefined {
    const { shard, slot } = this.#find(key);
    return slot < 0 ? undefined : this.#expiryAt(shard, slot);
  }

  set(key: string, value: string, expiresAt: number): void {
    const f = this.#find(key);
    const bucket = Math.max(Math.floor(expiresAt / BUCKET_MS), this.#swept);
    const { id, offset } = this.#append(bucket, f.klen, value, expiresAt);
    let slot = f.slot;
    if (slot < 0) {
      slot = ~slot;
      f.shard.hash[slot] = f.hash;
      f.shard.count++;
      this.#count++;
    }
    f.shard.chunk[slot] = id;
    f.shard.offset[slot] = offset;
    if (f.shard.count * 2 > f.shard.hash.length) this.#grow(f.shard);
  }

  delete(key: string): boolean {
    const { shard, slot } = this.#find(key);
    if (slot < 0) return false;
    this.#removeAt(shard, slot);
    return true;
  }

  /** Writes a record (key bytes from scratch) into the bucket's last chunk, starting a new chunk if needed. */
  #append(bucketNo: number, klen: number, value: string, expiresAt: number): { id: number; offset: number } {
    const vlen = Buffer.byteLength(value);
    const need = HEADER + klen + vlen;
    let b = this.#buckets.get(bucketNo);
    if (!b) this.#buckets.set(bucketNo, (b = new Bucket()));
    let last = b.chunks.length - 1;
    if (last < 0 || b.capacity - b.ends[last]! < need) {
      const size = Math.max(need, Math.min(MAX_CHUNK, b.capacity * 2 || MIN_CHUNK));
      const id = this.#freeIds.pop() ?? this.#chunks.length;
      this.#chunks[id] = Buffer.allocUnsafeSlow(size);
      b.chunks.push(id);
      b.ends.push(0);
      b.capacity = size;
      last++;
    }
    const id = b.chunks[last]!;
    const buf = this.#chunks[id]!;
    const offset = b.ends[last]!;
    buf.writeDoubleLE(expiresAt, offset);
    buf.writeUInt32LE(klen, offset + 8);
    buf.writeUInt32LE(vlen, offset + 12);
    this.#scratch.copy(buf, offset + HEADER, 0, klen);
    buf.write(value, offset + HEADER + klen, vlen, 'utf8');
    b.ends[last] = offset + need;
    return { id, offset };
  }

  #grow(s: Shard): void {
    const { hash, chunk, offset } = s;
    const size = hash.length * 2;
    s.hash = new Uint32Array(size);
    s.chunk = new Int32Array(size).fill(FREE);
    s.offset = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < hash.length; j++) {
      if (chunk[j] === FREE) continue;
      let i = (hash[j]! >>> 6) & mask;
      while (s.chunk[i] !== FREE) i = (i + 1) & mask;
      s.hash[i] = hash[j]!;
      s.chunk[i] = chunk[j]!;
      s.offset[i] = offset[j]!;
    }
  }

  /** Empties a slot, moving later slots of the probe run back so no lookup stops short (no tombstones). */
  #removeAt(s: Shard, hole: number): void {
    const mask = s.hash.length - 1;
    for (let j = (hole + 1) & mask; s.chunk[j] !== FREE; j = (j + 1) & mask) {
      const home = (s.hash[j]! >>> 6) & mask;
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      s.hash[hole] = s.hash[j]!;
      s.chunk[hole] = s.chunk[j]!;
      s.offset[hole] = s.offset[j]!;
      hole = j;
    }
    s.chunk[hole] = FREE;
    s.count--;
    this.#count--;
  }

  /** Drops the index slot of the record at (id, offset) if it still points there; true when it did. */
  #unindex(id: number, offset: number, expiredBy: number): boolean {
    const buf = this.#chunks[id]!;
    if (buf.readDoubleLE(offset) > expiredBy) return false;
    const start = offset + HEADER;
    const hash = fnv1a(buf, start, start + buf.readUInt32LE(offset + 8));
    const s = this.#shards[hash & (SHARDS - 1)]!;
    const mask = s.hash.length - 1;
    for (let i = (hash >>> 6) & mask; s.chunk[i] !== FREE; i = (i + 1) & mask) {
      if (s.chunk[i] === id && s.offset[i] === offset) {
        this.#removeAt(s, i);
        return true;
      }
    }
    return false; // overwritten or deleted since
  }

  /**
   * Drops the entries of every second before `now`'s, visiting at most `budget` records (the rest
   * on the next call, `more` says so), and frees their Buffers. With `current`, also drops the
   * expired entries of `now`'s own second (their bytes stay until it is over).
   */
  sweep(now: number, budget = Infinity, current = false): { removed: number; more: boolean } {
    const due = Math.floor(now / BUCKET_MS);
    let removed = 0;
    let visited = 0;
    if (due > this.#swept) {
      // After a long idle gap visit the few existing buckets rather than every second in between.
      const order = [...this.#buckets.keys()].filter((b) => b < due).sort((a, b) => a - b);
      for (const no of order) {
        const b = this.#buckets.get(no)!;
        for (; b.doneChunks < b.chunks.length; b.doneChunks++, b.doneOffset = 0) {
          const id = b.chunks[b.doneChunks]!;
          const buf = this.#chunks[id]!;
          while (b.doneOffset < b.ends[b.doneChunks]!) {
            if (visited++ >= budget) return { removed, more: true };
            if (this.#unindex(id, b.doneOffset, now)) removed++;
            b.doneOffset += HEADER + buf.readUInt32LE(b.doneOffset + 8) + buf.readUInt32LE(b.doneOffset + 12);
          }
          this.#chunks[id] = undefined;
          this.#freeIds.push(id);
        }
        this.#buckets.delete(no);
      }
      this.#swept = due;
    }
    const b = current ? this.#buckets.get(due) : undefined;
    if (b) {
      for (let k = b.doneChunks; k < b.chunks.length; k++) {
        const id = b.chunks[k]!;
        const buf = this.#chunks[id]!;
        for (let at = k === b.doneChunks ? b.doneOffset : 0; at < b.ends[k]!; at += HEADER + buf.readUInt32LE(at + 8) + buf.readUInt32LE(at + 12)) {
          if (this.#unindex(id, at, now)) removed++;
        }
      }
    }
    return { removed, more: false };
  }

  clear(): void {
    for (const s of this.#shards) {
      s.chunk.fill(FREE);
      s.count = 0;
    }
    this.#chunks.length = 0;
    this.#freeIds.length = 0;
    this.#buckets.clear();
    this.#count = 0;
  }
}
