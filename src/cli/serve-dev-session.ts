/**
 * The hand-off from `wxbot serve` to `wxbot simulate` in the same directory: a generated Token is saved
 * in .wxbot/dev-session.json while the server runs (a configured one is in env/.env already).
 */
import { DEV_SESSION_DIR, DEV_SESSION_FILE, removeDevSession, writeDevSession } from '../config/dev-session.js';
import type { ServeSettings } from './serve-settings.js';

export interface DevSession {
  /** Where the Token was saved, if it was. */
  path: string | undefined;
  /** Removes the file (a server that is shutting down must not be handed to the next simulate). */
  drop(): void;
}

const NONE: DevSession = { path: undefined, drop: () => undefined };

export function handOffDevSession(
  s: ServeSettings,
  cwd: string,
  url: string,
  stderr: NodeJS.WritableStream,
): DevSession {
  if (!s.tokenGenerated) return NONE;
  const owner = { pid: process.pid, token: s.token };
  const dropSession = () => {
    try {
      removeDevSession(cwd, owner);
    } catch {
      // best effort: a file left behind names a dead pid and is ignored
    }
  };
  try {
    const path = writeDevSession(cwd, { token: s.token, url, pid: process.pid, startedAt: new Date().toISOString() });
    // A hard exit (second Ctrl-C, shutdown timeout) skips close(): still leave no file behind.
    process.once('exit', dropSession);
    return {
      path,
      drop: () => {
        dropSession();
        process.off('exit', dropSession);
      },
    };
  } catch (err) {
    stderr.write(
      `wxbot: could not save ${DEV_SESSION_DIR}/${DEV_SESSION_FILE} for wxbot simulate: ${(err as Error).message}\n`,
    );
    return NONE;
  }
}
