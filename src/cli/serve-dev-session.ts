/**
 * The hand-off from `wxbot serve` to `wxbot simulate` in the same directory: a generated Token is saved
 * in .wxbot/dev-session.json while the server runs (a configured one is in env/.env already).
 */
import {
  DEV_SESSION_DIR,
  DEV_SESSION_FILE,
  isProcessAlive,
  readDevSession,
  removeDevSession,
  writeDevSession,
} from '../config/dev-session.js';
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
  // Another `wxbot serve` already running here: this one takes the session over while it runs, and
  // hands it back when it stops, so `wxbot simulate` then finds the one still running.
  const earlier = readDevSession(cwd);
  const dropSession = () => {
    try {
      if (removeDevSession(cwd, owner) && earlier && isProcessAlive(earlier.pid)) writeDevSession(cwd, earlier);
    } catch {
      // best effort: a file left behind names a dead pid and is ignored
    }
  };
  try {
    const path = writeDevSession(cwd, { token: s.token, url, pid: process.pid, startedAt: new Date().toISOString() });
    if (earlier)
      stderr.write(
        `wxbot: another wxbot serve runs in this directory (pid ${earlier.pid}, ${earlier.url}): wxbot simulate here talks to this one (${url}) until it stops, then to that one again\n`,
      );
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
