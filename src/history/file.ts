import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { unreadableReason } from '../config/errors.js';
import type { HistoryEntry, HistoryInput } from './entry.js';
import { withLock, withLockSync } from './lock.js';

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

/** A line of the file that is not a usable entry: where, which entry (when its id is readable) and why. */
export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  id?: number;
  /** What is wrong, naming the field: `"status" is not a number`. */
  problem: string;
}

type Check = [field: string, ok: (v: unknown) => boolean, want: string];
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const optional = (ok: (v: unknown) => boolean) => (v: unknown) => v === undefined || ok(v);
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

// Every field something reads (the list, `history <id>`, `replay`), with the type it must have.
const CHECKS: Check[] = [
  ['id', (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a whole number above 0'],
  ['at', (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'an ISO date'],
  ['method', isString, 'a string'],
  ['path', isString, 'a string'],
  ['query', (v) => isObject(v) && Object.values(v as object).every(isString), 'an object of strings'],
  ['body', isString, 'a string'],
  ['mode', isString, 'a string'],
  ['message', (v) => v === null || isObject(v), 'an object or null'],
  ['status', isNumber, 'a number'],
  ['reply', (v) => v === null || isString(v), 'a string or null'],
  ['latencyMs', isNumber, 'a number'],
  ['msgType', optional(isString), 'a string'],
  ['event', optional(isString), 'a string'],
  ['from', optional(isString), 'a string'],
  ['content', optional(isString), 'a string'],
  ['server', optional(isString), 'a string'],
  ['error', optional(isString), 'a string'],
];

/** What is wrong with a parsed line as a history entry, naming the field; undefined when nothing is. */
export function entryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'not a JSON object';
  const o = e as Record<string, unknown>;
  for (const [field, ok, want] of CHECKS) {
    if (!ok(o[field])) return o[field] === undefined ? `"${field}" is missing` : `"${field}" is not ${want}`;
  }
  return undefined;
}

/** An entry with its NDJSON line, serialised once (when recorded, or as read from the file). */
interface Kept {
  entry: HistoryEntry;
  line: string;
}

// Lines that are not entries are skipped (and listed in `skipped` when given): a hand edit or a
// foreign file must not break listing.
function parseKept(text: string, skipped?: SkippedLine[]): Kept[] {
  const out: Kept[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      skipped?.push({ line: i + 1, problem: 'not JSON' });
      continue;
    }
    const problem = entryProblem(e);
    if (problem === undefined) out.push({ entry: e as HistoryEntry, line });
    else if (skipped) {
      const id = (e as { id?: unknown } | null)?.id;
      skipped.push({ line: i + 1, ...(Number.isSafeInteger(id) ? { id: id as number } : {}), problem });
    }
  }
  return out;
}

/** Why a history file could not be read at all (not there is not an error: it is empty). */
export class HistoryReadError extends Error {
  readonly path: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot read the history ${path}: ${reason}`, options);
    this.name = 'HistoryReadError';
    this.path = path;
  }
}

/**
 * The history file for a reader (`wxbot history`, `wxbot replay`): its entries, and the lines that
 * are not entries with what is wrong with each. A missing file is an empty history; a file that
 * cannot be read (a directory in its place, no permission) is a HistoryReadError with its path.
 */
export async function readHistoryReport(path: string): Promise<{ entries: HistoryEntry[]; skipped: SkippedLine[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { entries: [], skipped: [] };
    const reason = unreadableReason(e);
    throw new HistoryReadError(path, reason, { cause: err });
  }
  const skipped: SkippedLine[] = [];
  const entries = parseKept(text, skipped).map((k) => k.entry);
  return { entries, skipped };
}

/** Parses NDJSON, skipping lines that are not entries. */
export function parseHistory(text: string): HistoryEntry[] {
  return parseKept(text).map((k) => k.entry);
}

async function readKept(path: string): Promise<Kept[]> {
  try {
    return parseKept(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

function readKeptSync(path: string): Kept[] {
  try {
    return parseKept(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Reads the history file; a missing file is an empty history. */
export async function readHistory(path: string): Promise<HistoryEntry[]> {
  return (await readKept(path)).map((k) => k.entry);
}

const tmpName = (path: string) => `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
// The directory holds message contents and OpenIDs: keep it out of git by default.
const GITIGNORE = '*\n';

async function ensureDir(path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' }).catch(() => undefined);
}

/** Write-then-rename: a reader (`wxbot history` in another terminal) never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function ensureDirSync(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' });
  } catch {
    // already there
  }
}

/** The same, blocking: for the last write of a process that is exiting (no event loop turn is left). */
function writeAtomicSync(path: string, text: string): void {
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
