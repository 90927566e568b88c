/**
 * The signals that end a long-running command (`serve`, `tunnel`, `ui`) the clean way: Ctrl-C
 * (SIGINT), a process manager (SIGTERM) and the terminal closing (SIGHUP, also `kill -HUP`). Each one
 * drains, flushes and removes what the command leaves behind, where Node's default for SIGHUP would
 * kill the process on the spot.
 */
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Calls `stop` once, on the first stop signal; a second one means "stop now": exit 130 at once. A
 * hang-up first makes the lost terminal harmless (below), and a SIGHUP once stopping is not "now":
 * closing a terminal sends it more than once (the shell forwards it to its job, then the kernel sends
 * it to that job again as the shell exits, a few ms apart), which must not cut the shutdown it
 * started, nor one a Ctrl-C started; only the user (Ctrl-C again) or a process manager (SIGTERM) means now.
 */
export function onStopSignals(stop: (signal: StopSignal) => void): void {
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  let stopping = false;
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (signal === 'SIGHUP') outliveTerminal(terminals);
      if (!stopping) {
        stopping = true;
        stop(signal);
      } else if (signal !== 'SIGHUP') process.exit(130);
    });
  }
}

let outliving = false;

/**
 * After a hang-up the terminal is gone and every use of it fails with EIO (EPIPE for a pipe whose
 * reader went with it):
 * - a write to stdout or stderr: each gets a listener of its own, so the failure is dropped instead
 *   of ending the process with 141 (errors.ts `endOnClosedPipe`, which already lets EIO pass: a write
 *   may fail before this signal is handled) and the shutdown runs to its end; there is no one left
 *   to read what is lost.
 * - Node's exit restores the terminal's settings and aborts (a native stack trace, SIGABRT) when that
 *   fails, up to Node 22 (nodejs/node#51519): a descriptor whose terminal hung up is closed first, so
 *   there is nothing to restore. A terminal still there (`kill -HUP`) is left as it is.
 */
function outliveTerminal(terminals: readonly number[]): void {
  if (outliving) return;
  outliving = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.once('exit', () => {
    for (const fd of terminals) {
      if (isatty(fd)) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing to restore either
      }
    }
  });
}
