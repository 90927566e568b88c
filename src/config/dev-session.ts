/**
 * The local dev-session hand-off: when `wxbot serve` generates a Token for the run, it leaves
 * `.wxbot/dev-session.json` (Token, URL, pid) in its working directory so `wxbot simulate` in another
 * terminal finds both without flags. Synchronous on purpose: a few hundred bytes, read once at CLI start.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEV_SESSION_DIR = '.wxbot';
export const DEV_SESSION_FILE = 'dev-session.json';

export interface DevSession {
  /** The Token generated for the run (a secret: the file is 0600 in a 0700, git-ignored directory). */
  token: string;
  /** Where the server listens, path included: http://127.0.0.1:<port>/wechat. */
  url: string;
  /** The serving process; the file is ignored once it has ended. */
  pid: number;
  /** ISO 8601. */
  startedAt: string;
}

/** `.wxbot/dev-session.json` under the working directory. */
export function devSessionPath(cwd: string = process.cwd()): string {
  return join(cwd, DEV_SESSION_DIR, DEV_SESSION_FILE);
}

/** True while a process with this pid runs (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: a killed serve whose parent has not reaped it yet still answers signal 0; its state is Z. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (macOS, Windows): signal 0 is all we have
  }
}

/** Accepts only what serve writes, so a hand-edited or foreign file is never sent as credentials. */
function parseSession(text: string): DevSession | undefined {
  let v: Partial<DevSession>;
  try {
    v = JSON.parse(text) as Partial<DevSession>;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { token, url, pid, startedAt } = v;
  if (typeof token !== 'string' || !/^[A-Za-z0-9]{3,32}$/.test(token)) return undefined;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return undefined;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { token, url, pid, startedAt: typeof startedAt === 'string' ? startedAt : '' };
}

function readRaw(path: string): DevSession | undefined {
  try {
    return parseSession(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // missing or unreadable: no session
  }
}

/**
 * Writes the session atomically (write a temp file, rename) with the directory 0700 and the file 0600;
 * the directory gets a `.gitignore` of `*` like the history file. Returns the path. Throws on I/O errors.
 */
export function writeDevSession(cwd: string, session: DevSession): string {
  const dir = join(cwd, DEV_SESSION_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(dir, '.gitignore'), '*\n', { flag: 'wx' });
  } catch {
    // already there (or not ours to write): the history feature creates the same file
  }
  const path = join(dir, DEV_SESSION_FILE);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}

export interface ReadDevSessionOptions {
  /** Liveness test, replaceable in tests. Default: signal 0 to the pid. */
  isAlive?: (pid: number) => boolean;
  /** Delete a file left by a process that has ended. Default true. */
  removeStale?: boolean;
}

/** The session of a still-running `wxbot serve` in `cwd`, or undefined (none, malformed or stale). */
export function readDevSession(
  cwd: string = process.cwd(),
  options: ReadDevSessionOptions = {},
): DevSession | undefined {
  const path = devSessionPath(cwd);
  const session = readRaw(path);
  if (!session) return undefined;
  if ((options.isAlive ?? isProcessAlive)(session.pid)) return session;
  if (options.removeStale !== false) {
    // Re-check just before deleting: a new serve may have replaced the stale file meanwhile.
    const again = readRaw(path);
    if (again && again.pid === session.pid && again.token === session.token) rmSync(path, { force: true });
  }
  return undefined;
}

/**
 * Deletes the file only while it still holds this owner's pid and Token: a second `wxbot serve` in the
 * same directory may have taken it over, and its session must outlive ours. Returns true if deleted.
 */
export function removeDevSession(cwd: string, owner: Pick<DevSession, 'pid' | 'token'>): boolean {
  const path = devSessionPath(cwd);
  const current = readRaw(path);
  if (!current || current.pid !== owner.pid || current.token !== owner.token) return false;
  rmSync(path, { force: true });
  return true;
}
