import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HistoryEntry, HistoryInput } from './entry.js';

export const HISTORY_LIMIT = 200;
export const HISTORY_DIR = '.wxbot';
export const HISTORY_FILE = 'history.ndjson';

/** `.wxbot/history.ndjson` under the working directory: per project, like `.env`. */
export function historyPath(cwd: string = process.cwd()): string {
  return join(cwd, HISTORY_DIR, HISTORY_FILE);
}

/** Parses NDJSON, skipping lines that are not entries (a hand edit or a foreign file must not break listing). */
export function parseHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (typeof e?.id === 'number' && typeof e.at === 'string') out.push(e);
    } catch {
      // skipped
    }
  }
  return out;
}

/** Reads the history file; a missing file is an empty history. */
export async function readHistory(path: string): Promise<HistoryEntry[]> {
  try {
    return parseHistory(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Write-then-rename: a reader (`wxbot history` in another terminal) never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The directory holds message contents and OpenIDs: keep it out of git by default.
  await writeFile(join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export interface HistoryFileOptions {
  limit?: number;
  /** Told about write failures; recording never throws into the request path. */
  onError?: (err: unknown) => void;
}

/**
 * The last N exchanges, kept in memory and written to disk behind the requests: at most one write
 * is in flight and bursts coalesce into the next one, so a busy server does not rewrite the file per request.
 */
export class HistoryFile {
  readonly path: string;
  readonly limit: number;
  readonly #onError: (err: unknown) => void;
  #entries: Promise<HistoryEntry[]> | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;

  constructor(path: string, options: HistoryFileOptions = {}) {
    this.path = path;
    this.limit = options.limit ?? HISTORY_LIMIT;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Entries oldest first (from the file once, then from memory). */
  list(): Promise<HistoryEntry[]> {
    this.#entries ??= readHistory(this.path).catch((e) => {
      this.#onError(e);
      return [];
    });
    return this.#entries;
  }

  async get(id: number): Promise<HistoryEntry | undefined> {
    return (await this.list()).find((e) => e.id === id);
  }

  /** Adds an entry (already redacted by the caller), drops the oldest beyond the limit, schedules a write. */
  async append(input: HistoryInput): Promise<HistoryEntry> {
    const entries = await this.list();
    const entry: HistoryEntry = { id: (entries.at(-1)?.id ?? 0) + 1, ...input };
    entries.push(entry);
    if (entries.length > this.limit) entries.splice(0, entries.length - this.limit);
    this.#schedule();
    return entry;
  }

  /** Empties the history (and the file). */
  async clear(): Promise<void> {
    (await this.list()).length = 0;
    this.#schedule();
    await this.flush();
  }

  /** Resolves when everything appended so far is on disk. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #schedule(): void {
    if (this.#writing) {
      this.#dirty = true;
      return;
    }
    this.#writing = this.#writeLoop().finally(() => {
      this.#writing = undefined;
    });
  }

  async #writeLoop(): Promise<void> {
    do {
      this.#dirty = false;
      const entries = await this.list();
      const text = entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
      try {
        await writeAtomic(this.path, text);
      } catch (e) {
        this.#onError(e);
      }
    } while (this.#dirty);
  }
}
