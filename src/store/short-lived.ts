import { writeUtf8Native } from '../protocol/utf8.js';
/** Entries with a TTL up to this go to a ShortLivedTable; longer ones (sessions, tokens) stay in Maps. */
export const SHORT_TTL_MS = 5 * 60_000;
/** Keys longer than this in UTF-8 (none in practice) are kept in Maps. */
export const MAX_KEY_BYTES = 4096;

const BUCKET_MS = 1000;
// A record: f64 expiry (ms, relative), u32 key bytes, u32 value bytes; then the key, then the value,
// padded to 8 bytes so every header is read through aligned typed-array views of its chunk.
const HEADER = 16;
const SHARDS = 64;
const MIN_CHUNK = 4096;
const MAX_CHUNK = 256 * 1024;
const FREE = -1;

// String.prototype.isWellFormed (Node >= 20; typed from ES2024 on).
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * MurmurHash3 (x86, 32 bits, seed 0) of the `n` bytes at `start`, a multiple of 4: read a word at a
 * time through `words`, a Uint32Array over the same memory as `bytes` (native byte order, which is
 * fine for a hash that never leaves the process).
 */
function hashBytes(words: Uint32Array, bytes: Uint8Array, start: number, n: number): number {
  let h = 0;
  const whole = start + (n & ~3);
  for (let w = start >>> 2; w < whole >>> 2; w++) {
    h ^= mixWord(words[w]!);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = start + n - 1; i >= whole; i--) tail = (tail << 8) | bytes[i]!;
  if (n & 3) h ^= mixWord(tail);
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function mixWord(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

const align8 = (n: number) => (n + 7) & ~7;

/**
 * One part of the index: open addressing with linear probing. A slot is three int32s side by side
 * (hash, chunk id, record offset), so a probe touches one cache line, not three arrays: with 60 s
 * of dedupe keys the index is tens of MB and nearly every lookup starts with a cache miss.
 */
class Shard {
  slots = Shard.empty(16);
  /** Slot capacity (a power of two). */
  size = 16;
  count = 0;
  static empty(size: number): Int32Array {
    const a = new Int32Array(size * 3);
    for (let i = 1; i < a.length; i += 3) a[i] = FREE;
    return a;
  }
}

/** A block of records, with aligned views for the headers. */
class Chunk {
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  constructor(readonly buf: Buffer) {
    this.f64 = new Float64Array(buf.buffer, buf.byteOffset, buf.length >>> 3);
    this.u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  }
  expiry(at: number): number {
    return this.f64[at >>> 3]!;
  }
  keyBytes(at: number): number {
    return this.u32[(at >>> 2) + 2]!;
  }
  valueBytes(at: number): number {
    return this.u32[(at >>> 2) + 3]!;
  }
  recordBytes(at: number): number {
    return align8(HEADER + this.keyBytes(at) + this.valueBytes(at));
  }
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
 *
 * A lookup writes the key's UTF-8 bytes into a scratch buffer (one native call) and hashes, compares
 * and copies those: a loop over a string's characters costs several times more per character than
 * one over bytes (measured in instructions a request: docs/internals/performance.md).
 */
export class ShortLivedTable {
  readonly #shards = Array.from({ length: SHARDS }, () => new Shard());
  readonly #chunks: (Chunk | undefined)[] = [];
  readonly #freeIds: number[] = [];
  readonly #buckets = new Map<number, Bucket>();
  readonly #scratch = Buffer.allocUnsafeSlow(MAX_KEY_BYTES);
  readonly #scratchWords = new Uint32Array(this.#scratch.buffer, this.#scratch.byteOffset, MAX_KEY_BYTES >>> 2);
  #swept = 0;
  #count = 0;
  // The last lookup (#find), kept in fields rather than returned in a fresh object.
  #shard: Shard = this.#shards[0]!;
  #slot = 0;
  #hash = 0;
  /** Bytes of the key of the last lookup, which are in #scratch. */
  #klen = 0;

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#count;
  }

  /**
   * Whether the table can hold this key (and value): its UTF-8 form fits MAX_KEY_BYTES, and both
   * are well-formed UTF-16, so they read back exactly (a lone surrogate would come back as U+FFFD).
   */
  static accepts(key: string, value = ''): boolean {
    return ShortLivedTable.acceptsKey(key) && wellFormed(value);
  }

  /** accepts() for the key alone: set() and setIfAbsent() find out about the value as they write it. */
  static acceptsKey(key: string): boolean {
    return (key.length * 3 <= MAX_KEY_BYTES || Buffer.byteLength(key) <= MAX_KEY_BYTES) && wellFormed(key);
  }

  /** Bumped whenever slots move (a removal shifts its probe run, a growth rehashes): a found slot is then stale. */
  #moves = 0;
  /** The key of the last lookup and #moves at the time: the same key looked up again is where it was. */
  #lastKey: string | undefined;
  #lastMoves = -1;

  /** Looks `key` up: #slot is its slot in #shard, or ~(the free slot where it would go). */
  #find(key: string): void {
    // Dedupe sets a message's outcome right after claiming it: that second lookup costs nothing.
    if (key === this.#lastKey && this.#moves === this.#lastMoves) return;
    this.#lastKey = key;
    this.#lastMoves = this.#moves;
    const klen = writeUtf8Native(this.#scratch, key, 0);
    const hash = hashBytes(this.#scratchWords, this.#scratch, 0, klen);
    const shard = this.#shards[hash & (SHARDS - 1)]!;
    const slots = shard.slots;
    const mask = shard.size - 1;
    const h = hash | 0;
    let i = (hash >>> 6) & mask;
    for (; slots[i * 3 + 1] !== FREE; i = (i + 1) & mask) {
      if (slots[i * 3] !== h) continue;
      const c = this.#chunks[slots[i * 3 + 1]!]!;
      const at = slots[i * 3 + 2]!;
      if (c.keyBytes(at) === klen && this.#isScratchKey(c.buf, at + HEADER, klen)) break;
    }
    this.#shard = shard;
    this.#slot = slots[i * 3 + 1] === FREE ? ~i : i;
    this.#hash = hash;
    this.#klen = klen;
  }

  /** Whether the `klen` bytes at `start` are the looked-up key's (only reached on a matching hash). */
  #isScratchKey(buf: Buffer, start: number, klen: number): boolean {
    const scratch = this.#scratch;
    for (let j = 0; j < klen; j++) if (buf[start + j] !== scratch[j]) return false;
    return true;
  }

  #chunkOf(s: Shard, slot: number): Chunk {
    return this.#chunks[s.slots[slot * 3 + 1]!]!;
  }

  #offsetOf(s: Shard, slot: number): number {
    return s.slots[slot * 3 + 2]!;
  }

  /** The entry's value if it is live at `now`; an expired entry is dropped. */
  get(key: string, now: number): string | undefined {
    this.#find(key);
    const shard = this.#shard;
    const slot = this.#slot;
    if (slot < 0) return undefined;
    const c = this.#chunkOf(shard, slot);
    const at = this.#offsetOf(shard, slot);
    if (c.expiry(at) <= now) {
      this.#removeAt(shard, slot);
      return undefined;
    }
    const start = at + HEADER + c.keyBytes(at);
    return c.buf.toString('utf8', start, start + c.valueBytes(at));
  }

  /** The expiry time of the entry if it is held (live or not yet swept). */
  expiryOf(key: string): number | undefined {
    this.#find(key);
    return this.#slot < 0
      ? undefined
      : this.#chunkOf(this.#shard, this.#slot).expiry(this.#offsetOf(this.#shard, this.#slot));
  }

  /** Sets the entry; false (and nothing changed) when the value cannot be stored exactly (a lone surrogate). */
  set(key: string, value: string, expiresAt: number): boolean {
    this.#find(key);
    return this.#setFound(value, expiresAt);
  }

  /**
   * Sets the entry unless one is live at `now` (one lookup): 1 when it did, 0 when a live entry
   * was there, -1 (nothing changed) when the value cannot be stored exactly.
   */
  setIfAbsent(key: string, value: string, expiresAt: number, now: number): 1 | 0 | -1 {
    this.#find(key);
    const slot = this.#slot;
    if (slot >= 0 && this.#chunkOf(this.#shard, slot).expiry(this.#offsetOf(this.#shard, slot)) > now) return 0;
    return this.#setFound(value, expiresAt) ? 1 : -1;
  }

  // Appends the record for the key of the last lookup and points its slot at it.
  #setFound(value: string, expiresAt: number): boolean {
    const shard = this.#shard;
    const bucket = Math.max(Math.floor(expiresAt / BUCKET_MS), this.#swept);
    const id = this.#append(bucket, value, expiresAt);
    if (id < 0) return false;
    let slot = this.#slot;
    if (slot < 0) {
      slot = ~slot;
      shard.slots[slot * 3] = this.#hash | 0;
      shard.count++;
      this.#count++;
      this.#slot = slot;
    }
    shard.slots[slot * 3 + 1] = id;
    shard.slots[slot * 3 + 2] = this.#appended;
    if (shard.count * 2 > shard.size) this.#grow(shard);
    return true;
  }

  delete(key: string): boolean {
    this.#find(key);
    if (this.#slot < 0) return false;
    this.#removeAt(this.#shard, this.#slot);
    return true;
  }

  /** Offset of the record the last #append wrote. */
  #appended = 0;

  /**
   * Writes a record (the key of the last lookup, from #scratch) into the bucket's last chunk, starting
   * a new chunk if needed; returns the chunk id, or -1 if the value cannot be stored exactly.
   */
  #append(bucketNo: number, value: string, expiresAt: number): number {
    const klen = this.#klen;
    // Room for the value's longest UTF-8 form; the record takes what it really needs.
    const room = HEADER + klen + value.length * 3 + 8;
    let b = this.#buckets.get(bucketNo);
    if (!b) {
      b = new Bucket();
      this.#buckets.set(bucketNo, b);
    }
    let last = b.chunks.length - 1;
    if (last < 0 || b.capacity - b.ends[last]! < room) {
      const size = align8(Math.max(room, Math.min(MAX_CHUNK, b.capacity * 2 || MIN_CHUNK)));
      const id = this.#freeIds.pop() ?? this.#chunks.length;
      this.#chunks[id] = new Chunk(Buffer.allocUnsafeSlow(size));
      b.chunks.push(id);
      b.ends.push(0);
      b.capacity = size;
      last++;
    }
    const id = b.chunks[last]!;
    const c = this.#chunks[id]!;
    const buf = c.buf;
    const offset = b.ends[last]!;
    const k = offset + HEADER;
    // A loop, not `scratch.copy()`: for part of a Buffer, Node 20's copy makes a typed-array view per
    // call, 0.6–1 µs of a plaintext request's two writes (turns, docs/internals/bench-log.md).
    const scratch = this.#scratch;
    for (let j = 0; j < klen; j++) buf[k + j] = scratch[j]!;
    const v = k + klen;
    // A lone surrogate would be written as U+FFFD and not read back the same: such values stay in
    // the Maps. Nothing counts until `ends` moves.
    const vlen = wellFormed(value) ? writeUtf8Native(buf, value, v) : -1;
    if (vlen < 0) return -1;
    c.f64[offset >>> 3] = expiresAt;
    c.u32[(offset >>> 2) + 2] = klen;
    c.u32[(offset >>> 2) + 3] = vlen;
    b.ends[last] = offset + align8(HEADER + klen + vlen);
    this.#appended = offset;
    return id;
  }

  #grow(s: Shard): void {
    this.#moves++;
    const old = s.slots;
    const size = s.size * 2;
    const slots = Shard.empty(size);
    const mask = size - 1;
    for (let j = 0; j < old.length; j += 3) {
      if (old[j + 1] === FREE) continue;
      let i = (old[j]! >>> 6) & mask;
      while (slots[i * 3 + 1] !== FREE) i = (i + 1) & mask;
      slots[i * 3] = old[j]!;
      slots[i * 3 + 1] = old[j + 1]!;
      slots[i * 3 + 2] = old[j + 2]!;
    }
    s.slots = slots;
    s.size = size;
  }

  /** Empties a slot, moving later slots of the probe run back so no lookup stops short (no tombstones). */
  #removeAt(s: Shard, hole: number): void {
    this.#moves++;
    const slots = s.slots;
    const mask = s.size - 1;
    for (let j = (hole + 1) & mask; slots[j * 3 + 1] !== FREE; j = (j + 1) & mask) {
      const home = (slots[j * 3]! >>> 6) & mask;
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      slots[hole * 3] = slots[j * 3]!;
      slots[hole * 3 + 1] = slots[j * 3 + 1]!;
      slots[hole * 3 + 2] = slots[j * 3 + 2]!;
      hole = j;
    }
    slots[hole * 3 + 1] = FREE;
    s.count--;
    this.#count--;
  }

  /** Drops the index slot of the record at (id, offset) if it still points there; true when it did. */
  #unindex(id: number, offset: number, expiredBy: number): boolean {
    const c = this.#chunks[id]!;
    if (c.expiry(offset) > expiredBy) return false;
    const start = offset + HEADER;
    const hash = hashBytes(c.u32, c.buf, start, c.keyBytes(offset));
    const s = this.#shards[hash & (SHARDS - 1)]!;
    const slots = s.slots;
    const mask = s.size - 1;
    for (let i = (hash >>> 6) & mask; slots[i * 3 + 1] !== FREE; i = (i + 1) & mask) {
      if (slots[i * 3 + 1] === id && slots[i * 3 + 2] === offset) {
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
          const c = this.#chunks[id]!;
          while (b.doneOffset < b.ends[b.doneChunks]!) {
            if (visited++ >= budget) return { removed, more: true };
            if (this.#unindex(id, b.doneOffset, now)) removed++;
            b.doneOffset += c.recordBytes(b.doneOffset);
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
        const c = this.#chunks[id]!;
        for (let at = k === b.doneChunks ? b.doneOffset : 0; at < b.ends[k]!; at += c.recordBytes(at)) {
          if (this.#unindex(id, at, now)) removed++;
        }
      }
    }
    return { removed, more: false };
  }

  clear(): void {
    this.#moves++;
    for (const s of this.#shards) {
      s.slots = Shard.empty(16);
      s.size = 16;
      s.count = 0;
    }
    this.#chunks.length = 0;
    this.#freeIds.length = 0;
    this.#buckets.clear();
    this.#count = 0;
  }
}
