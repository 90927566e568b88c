/**
 * A lock file beside the history file, so two processes in one directory (`wxbot serve` and
 * `wxbot tunnel`, or `wxbot history --clear` while a server runs) take turns at read-merge-write
 * instead of renaming each other's writes away. Created with O_EXCL; holds the owner's pid. A lock
 * whose owner is gone, or older than STALE_MS (a crash mid-write), is taken over.
 *
 * Taking over is itself guarded: every waiter sees a dead owner's lock at once, and a waiter that
 * removed it on that sight could remove the lock another waiter made in between, leaving two
 * holders (seen: the first entries of one process lost). So a takeover holds `<lock>.takeover` (also
 * O_EXCL) and removes the lock only if it is still the one judged (same inode, time and owner).
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';

const STALE_MS = 5_000;
const RETRY_MS = 10;
/**
 * Past this, a lock held all along by one live holder is taken over anyway (a hung process must not
 * stop the history): counted per holder, so waiting behind several writers in turn is not hanging.
 */
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

/** A lock file as one look saw it: a takeover removes that file, not one made since. */
interface Seen {
  ino: number;
  mtimeMs: number;
  owner: string;
}

const same = (a: Seen, b: Seen | undefined) =>
  b !== undefined && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.owner === b.owner;

// Old, or held by a process that is gone (or by this one, when `ownIsStale`). An empty owner is a
// lock being created right now.
function stale({ mtimeMs, owner }: Seen, ownIsStale: boolean): boolean {
  if (Date.now() - mtimeMs > STALE_MS) return true;
  if (ownIsStale && owner === String(process.pid)) return true;
  return owner !== '' && !ownerAlive(owner);
}

async function seeAsync(lock: string): Promise<Seen | undefined> {
  try {
    const [s, owner] = await Promise.all([stat(lock), readFile(lock, 'utf8')]);
    return { ino: s.ino, mtimeMs: s.mtimeMs, owner };
  } catch {
    return undefined; // gone already: the next attempt gets it
  }
}

function seeSync(lock: string): Seen | undefined {
  try {
    const s = statSync(lock);
    return { ino: s.ino, mtimeMs: s.mtimeMs, owner: readFileSync(lock, 'utf8') };
  } catch {
    return undefined;
  }
}

/** A takeover that crashed midway (it lasts microseconds) leaves its guard; past this it is removed. */
const TAKEOVER_STALE_MS = 1_000;

/**
 * Removes the lock if it is still `judged`, holding the takeover guard. False when another waiter
 * holds the guard (this one then waits its turn like any other).
 */
async function takeOverAsync(lock: string, judged: Seen): Promise<boolean> {
  const guard = `${lock}.takeover`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const g = await seeAsync(guard);
    if (g && Date.now() - g.mtimeMs > TAKEOVER_STALE_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    if (same(judged, await seeAsync(lock))) await rm(lock, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
  return true;
}

function takeOverSync(lock: string, judged: Seen): boolean {
  const guard = `${lock}.takeover`;
  try {
    closeSync(openSync(guard, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const g = seeSync(guard);
    if (g && Date.now() - g.mtimeMs > TAKEOVER_STALE_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    if (same(judged, seeSync(lock))) rmSync(lock, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
  return true;
}

/** How long the lock now in place has been seen, by one waiter: a new holder starts the count again. */
class HeldFor {
  #seen: Seen | undefined;
  #since = 0;
  ms(seen: Seen): number {
    if (!same(seen, this.#seen)) {
      this.#seen = seen;
      this.#since = Date.now();
    }
    return Date.now() - this.#since;
  }
}

// A holder whose lock was taken over (it hung past GIVE_UP_MS) must not remove the new holder's.
const mine = (seen: Seen | undefined) => seen?.owner === String(process.pid);

/** Runs `fn` holding the lock of `path`; the directory must exist. */
export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockPathOf(path);
  const held = new HeldFor();
  for (;;) {
    try {
      const h = await open(lock, 'wx', 0o600);
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const seen = await seeAsync(lock);
      const due = seen !== undefined && (held.ms(seen) > GIVE_UP_MS || stale(seen, false));
      if (!due || !(await takeOverAsync(lock, seen))) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
  try {
    return await fn();
  } finally {
    if (mine(await seeAsync(lock))) await rm(lock, { force: true });
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * withLock, blocking: for the last write of a process that is exiting. `ownIsStale`: a lock this
 * process holds is taken over (its holder, an asynchronous write, cannot finish while this blocks).
 */
export function withLockSync<T>(path: string, fn: () => T, ownIsStale = false): T {
  const lock = lockPathOf(path);
  const held = new HeldFor();
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const seen = seeSync(lock);
      const due = seen !== undefined && (held.ms(seen) > GIVE_UP_MS || stale(seen, ownIsStale));
      if (!due || !takeOverSync(lock, seen)) Atomics.wait(pause, 0, 0, RETRY_MS);
    }
  }
  try {
    return fn();
  } finally {
    if (mine(seeSync(lock))) rmSync(lock, { force: true });
  }
}
