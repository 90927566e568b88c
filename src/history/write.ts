/** Writing the history file so that a reader never sees half of it, in a directory kept out of git. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const tmpName = (path: string) => `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
// The directory holds message contents and OpenIDs: keep it out of git by default.
const GITIGNORE = '*\n';

export async function ensureDir(path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' }).catch(() => undefined);
}

/** Write-then-rename: a reader (`wxbot history` in another terminal) never sees half a file. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export function ensureDirSync(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' });
  } catch {
    // already there
  }
}

/** The same, blocking: for the last write of a process that is exiting (no event loop turn is left). */
export function writeAtomicSync(path: string, text: string): void {
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
