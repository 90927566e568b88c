/**
 * A lock file beside the history file, so two processes in one directory (`wxbot serve` and
 * `wxbot tunnel`, or `wxbot history --clear` while a server runs) take turns at read-merge-write
 * instead of renaming each other's writes away. Created with O_EXCL; holds the owner's pid. A lock
 * whose owner is gone, or older than STALE_MS (a crash mid-write), is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';

const STALE_MS = 5_000;
const RETRY_MS = 10;
/** Past this, a lock that still looks alive is taken over anyway: the history is a development aid. */
const GIVE_UP_MS = 2_000;

export const lockPathOf = (path: string) => `${path}.lock`;

function ownerAlive(pidText: string): boolean {
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Old, or held by a process that is gone (or by this one, when `ownIsStale`). An empty owner is a
// lock being created right now.
function stale(mtimeMs: number, owner: string, ownIsStale: boolean): boolean {
  if (Date.now() - mtimeMs > STALE_MS) return true;
  if (ownIsStale && owner === String(process.pid)) return true;
  return owner !== '' && !ownerAlive(owner);
}

async function staleAsync(lock: string): Promise<boolean> {
  try {
    const [s, owner] = await Promise.all([stat(lock), readFile(lock, 'utf8')]);
    return stale(s.mtimeMs, owner, false);
  } catch {
    return false; // gone already: the next attempt gets it
  }
}

function staleSync(lock: string, ownIsStale: boolean): boolean {
  try {
    return stale(statSync(lock).mtimeMs, readFileSync(lock, 'utf8'), ownIsStale);
  } catch {
    return false;
  }
}

/** Runs `fn` holding the lock of `path`; the directory must exist. */
export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockPathOf(path);
  const began = Date.now();
  for (;;) {
    try {
      const h = await open(lock, 'wx', 0o600);
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - began > GIVE_UP_MS || (await staleAsync(lock))) await rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * withLock, blocking: for the last write of a process that is exiting. `ownIsStale`: a lock this
 * process holds is taken over (its holder, an asynchronous write, cannot finish while this blocks).
 */
export function withLockSync<T>(path: string, fn: () => T, ownIsStale = false): T {
  const lock = lockPathOf(path);
  const began = Date.now();
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - began > GIVE_UP_MS || staleSync(lock, ownIsStale)) rmSync(lock, { force: true });
      else Atomics.wait(pause, 0, 0, RETRY_MS);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
