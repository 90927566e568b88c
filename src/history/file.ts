/**
 * The history file of a running server: recorded exchanges are batched in memory, written under the
 * file lock and merged with what other processes in the same directory wrote meanwhile.
 */
import { join } from 'node:path';
import type { HistoryEntry, HistoryInput } from './entry.js';
import { withLock, withLockSync } from './lock.js';
import { type Kept, readHistory, readKept, readKeptSync } from './read.js';
import { ensureDir, ensureDirSync, writeAtomic, writeAtomicSync } from './write.js';

export const HISTORY_LIMIT = 200;
export const HISTORY_DIR = '.wxbot';
export const HISTORY_FILE = 'history.ndjson';
/** How long a recorded exchange may wait in memory before it is written: `wxbot history` sees it within this. */
export const HISTORY_FLUSH_MS = 500;
/** After a quiet spell, how long the first new exchange waits before it is written (a burst shares the write). */
const IDLE_FLUSH_MS = 20;

/** `.wxbot/history.ndjson` under the working directory: per project, like `.env`. */
export function historyPath(cwd: string = process.cwd()): string {
  return join(cwd, HISTORY_DIR, HISTORY_FILE);
}

export interface HistoryFileOptions {
  limit?: number;
  /** Longest time between recording an exchange and writing it (default 500 ms). */
  flushMs?: number;
  /** Told about write failures; recording never throws into the request path. */
  onError?: (err: unknown) => void;
}

/**
 * The last N exchanges, kept in memory and written to disk behind the requests.
 *
 * A busy server must not pay for the history: `record()` only stores a thunk in a bounded queue;
 * entries are built (mapped, redacted, serialised) in batches at flush time, at most every
 * `flushMs`, and only the newest N of a batch at all: older ones are overwritten before anyone
 * could see them (their ids are still used up, so ids stay in arrival order). At most one write is
 * in flight. While anything is unwritten a process 'exit' hook is armed that writes it
 * synchronously, so a SIGINT/SIGTERM or a hard exit loses nothing that was recorded.
 *
 * The file, not this process's memory, is what a write starts from: under a lock file it is read,
 * the exchanges recorded here since the last write are added after its newest (renumbered past it
 * if another process wrote in between), and the result renamed into place. So two processes in one
 * directory keep each other's exchanges, and `wxbot history --clear` in another terminal stays
 * cleared.
 */
export class HistoryFile {
  readonly path: string;
  readonly limit: number;
  readonly flushMs: number;
  readonly #onError: (err: unknown) => void;
  #kept: Kept[] | undefined;
  #loading: Promise<Kept[]> | undefined;
  // Recorded but not built yet: a ring of the newest `limit` thunks, plus how many older ones fell out.
  readonly #pending: ((() => HistoryInput) | undefined)[];
  #pendingHead = 0;
  #pendingCount = 0;
  #skipped = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #exitHook: (() => void) | undefined;
  /** When the last write began (0: never). */
  #lastWrite = 0;
  /** Entries recorded since the last write, oldest first: what the next write adds to the file. */
  #fresh: Kept[] = [];
  /** clear() was called since the last write: the next one starts from an empty file. */
  #cleared = false;
  /** What the write in flight is adding (flushSync at exit writes it too: that write may never end). */
  #inFlight: Kept[] | undefined;

  constructor(path: string, options: HistoryFileOptions = {}) {
    this.path = path;
    this.limit = Math.max(1, options.limit ?? HISTORY_LIMIT);
    this.flushMs = options.flushMs ?? HISTORY_FLUSH_MS;
    this.#onError = options.onError ?? (() => undefined);
    this.#pending = new Array(this.limit);
  }

  #load(): Promise<Kept[]> {
    this.#loading ??= readHistory(this.path)
      .catch((e: unknown) => {
        this.#onError(e);
        return [] as HistoryEntry[];
      })
      .then((entries) => {
        // Entries recorded (or a clear) while the file was being read win over the file's content.
        this.#kept ??= entries.slice(-this.limit).map((entry) => ({ entry, line: JSON.stringify(entry) }));
        return this.#kept;
      });
    return this.#loading;
  }

  /** Entries oldest first (from the file once, then from memory), including everything recorded so far. */
  async list(): Promise<HistoryEntry[]> {
    const kept = await this.#load();
    this.#drain(kept);
    return kept.map((k) => k.entry);
  }

  async get(id: number): Promise<HistoryEntry | undefined> {
    return (await this.list()).find((e) => e.id === id);
  }

  /** Adds an entry (already redacted by the caller), drops the oldest beyond the limit, schedules a write. */
  async append(input: HistoryInput): Promise<HistoryEntry> {
    const kept = await this.#load();
    this.#drain(kept);
    const entry = this.#push(kept, input);
    this.#changed();
    return entry;
  }

  /**
   * Records an exchange without doing its work now: `build` runs later, off the request path, and
   * not at all when newer exchanges push it out of the last N first. Never throws.
   */
  record(build: () => HistoryInput): void {
    const i = (this.#pendingHead + this.#pendingCount) % this.limit;
    if (this.#pendingCount === this.limit) {
      this.#pendingHead = (this.#pendingHead + 1) % this.limit;
      this.#skipped++;
    } else {
      this.#pendingCount++;
    }
    this.#pending[i] = build;
    this.#changed();
  }

  /** Empties the history (and the file). */
  async clear(): Promise<void> {
    const kept = await this.#load();
    this.#drain(kept);
    kept.length = 0;
    this.#fresh = [];
    this.#cleared = true;
    this.#changed();
    await this.flush();
  }

  /** Resolves when everything recorded so far is on disk. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#startWrite();
      }
      if (!this.#writing) return;
      await this.#writing;
    }
  }

  /**
   * Writes everything recorded so far right now, blocking: for process exit, where no promise will
   * ever settle. A no-op when nothing is unwritten.
   */
  flushSync(): void {
    if (!this.#timer && !this.#writing && !this.#dirty) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Without the file's earlier content in memory, writing would drop it: keep it and say so.
    if (!this.#kept) return void this.#onError(new Error('history not written: the file was still being read'));
    const kept = this.#kept;
    this.#drain(kept);
    const taken = this.#takeUnwritten();
    const cleared = taken.cleared;
    const fresh = this.#inFlight ? this.#inFlight.concat(taken.fresh) : taken.fresh;
    try {
      ensureDirSync(this.path);
      const merged = withLockSync(
        this.path,
        () => {
          const merged = this.#merge(cleared ? [] : readKeptSync(this.path), fresh);
          writeAtomicSync(this.path, this.#text(merged));
          return merged;
        },
        this.#writing !== undefined,
      );
      this.#adopt(kept, merged);
    } catch (e) {
      this.#putBack(fresh, cleared);
      this.#onError(e);
    }
    // An async write still in flight may rename older content over this one: have it write again
    // (what is on disk by then is not added twice).
    if (this.#writing) {
      this.#putBack(fresh, false);
      this.#dirty = true;
    } else this.#disarmExit();
  }

  #push(kept: Kept[], input: HistoryInput): HistoryEntry {
    let entry: HistoryEntry = { id: (kept.at(-1)?.entry.id ?? 0) + 1, ...input };
    const line = JSON.stringify(entry);
    // A cut entry came from a large request: its short strings may be slices that keep the whole
    // request alive. Read back from its line, it holds only its own (bounded) strings.
    if (entry.truncated) entry = JSON.parse(line) as HistoryEntry;
    const k = { entry, line };
    kept.push(k);
    this.#fresh.push(k);
    if (kept.length > this.limit) kept.splice(0, kept.length - this.limit);
    if (this.#fresh.length > this.limit) this.#fresh.splice(0, this.#fresh.length - this.limit);
    return entry;
  }

  #takeUnwritten(): { fresh: Kept[]; cleared: boolean } {
    const out = { fresh: this.#fresh, cleared: this.#cleared };
    this.#fresh = [];
    this.#cleared = false;
    return out;
  }

  // A failed write: what it was to add is still unwritten (before anything recorded meanwhile).
  #putBack(fresh: Kept[], cleared: boolean): void {
    this.#fresh = fresh.concat(this.#fresh).slice(-this.limit);
    this.#cleared ||= cleared;
  }

  /** Ids continue past `after`: this process's entries move up (keeping their gaps) if another wrote those ids. */
  #renumber(fresh: Kept[], after: number): void {
    const first = fresh[0]?.entry.id;
    if (first === undefined || first > after) return;
    const shift = after + 1 - first;
    for (const k of fresh) {
      k.entry.id += shift;
      k.line = JSON.stringify(k.entry);
    }
  }

  /**
   * The file's entries, then this process's new ones after them; the newest `limit`. An entry whose
   * exact line is on disk already (written by a write this one could not be sure had finished) is
   * not added again; checked before renumbering, which would change its line.
   */
  #merge(onDisk: Kept[], fresh: Kept[]): Kept[] {
    const written = new Set(onDisk.map((k) => k.line));
    const added = fresh.filter((k) => !written.has(k.line));
    this.#renumber(added, onDisk.at(-1)?.entry.id ?? 0);
    return onDisk.concat(added).slice(-this.limit);
  }

  /** After a write, memory holds what the file holds, plus what was recorded while it was written. */
  #adopt(kept: Kept[], merged: Kept[]): void {
    this.#renumber(this.#fresh, merged.at(-1)?.entry.id ?? 0);
    const next = merged.concat(this.#fresh).slice(-this.limit);
    kept.length = 0;
    for (const k of next) kept.push(k);
  }

  /** Builds the recorded thunks into entries (oldest first), after the file's entries are loaded. */
  #drain(kept: Kept[]): void {
    if (this.#pendingCount === 0) return;
    const count = this.#pendingCount;
    const head = this.#pendingHead;
    const skipped = this.#skipped;
    this.#pendingHead = this.#pendingCount = this.#skipped = 0;
    if (skipped > 0) {
      // Ids of exchanges that were overwritten before being built: the next id comes after them.
      const last = kept.at(-1)?.entry.id ?? 0;
      kept.length = 0;
      kept.push({ entry: { id: last + skipped } as HistoryEntry, line: '' });
    }
    for (let n = 0; n < count; n++) {
      const i = (head + n) % this.limit;
      const build = this.#pending[i]!;
      this.#pending[i] = undefined;
      try {
        this.#push(kept, build());
      } catch (e) {
        this.#onError(e);
      }
    }
    // Drop the id placeholder if the batch did not push it out (it only carried the numbering).
    if (skipped > 0 && kept[0]?.line === '') kept.shift();
  }

  #text(kept: Kept[]): string {
    let text = '';
    for (const k of kept) text += `${k.line}\n`;
    return text;
  }

  #changed(): void {
    this.#armExit();
    if (this.#writing) {
      this.#dirty = true;
      return;
    }
    if (this.#timer) return;
    // At most one write every flushMs; but a message after a quiet spell is on disk within
    // IDLE_FLUSH_MS, so a `wxbot replay` typed (or scripted) right after it finds it.
    const wait = Math.max(Math.min(IDLE_FLUSH_MS, this.flushMs), this.flushMs - (Date.now() - this.#lastWrite));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startWrite();
    }, wait);
    this.#timer.unref();
  }

  #startWrite(): void {
    if (this.#writing) {
      this.#dirty = true;
      return;
    }
    this.#lastWrite = Date.now();
    this.#writing = this.#writeLoop().finally(() => {
      this.#writing = undefined;
      if (this.#dirty) this.#changed();
      else if (!this.#timer) this.#disarmExit();
    });
  }

  async #writeLoop(): Promise<void> {
    const kept = await this.#load();
    this.#dirty = false;
    this.#drain(kept);
    const { fresh, cleared } = this.#takeUnwritten();
    this.#inFlight = fresh;
    try {
      await ensureDir(this.path);
      const merged = await withLock(this.path, async () => {
        const merged = this.#merge(cleared ? [] : await readKept(this.path), fresh);
        await writeAtomic(this.path, this.#text(merged));
        return merged;
      });
      this.#adopt(kept, merged);
    } catch (e) {
      this.#putBack(fresh, cleared);
      this.#onError(e);
    } finally {
      this.#inFlight = undefined;
    }
  }

  #armExit(): void {
    if (this.#exitHook) return;
    this.#exitHook = () => this.flushSync();
    process.once('exit', this.#exitHook);
  }

  #disarmExit(): void {
    if (!this.#exitHook) return;
    process.off('exit', this.#exitHook);
    this.#exitHook = undefined;
  }
}
