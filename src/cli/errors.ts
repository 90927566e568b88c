/**
 * Exit codes shared by every command. `closedPipe` is the status of a process killed by SIGPIPE
 * (128 + 13), what a shell reports for any Unix tool whose reader went away.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, network: 3, closedPipe: 141 } as const;

/**
 * When the program reading stdout or stderr goes away (`wxbot simulate --json | head -1`), the command
 * ends quietly, as a Unix tool killed by SIGPIPE does (Node ignores the signal and reports EPIPE as
 * an 'error' event, which would crash with a stack trace). A command that handles a stream's errors
 * itself has a listener of its own (serve's request log stops and requests are still answered):
 * this one then stands aside. A terminal that was closed (EIO on a TTY) is not fatal either: the
 * hang-up signal that comes with it ends the command, `serve`, `tunnel` and `ui` through their clean
 * shutdown (stop-signals.ts), which a crash on the first failed write would skip. Any other error,
 * EIO from a file or a disk included (output lost: no exit 0), stays as fatal as it was.
 */
export function endOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (stream.listenerCount('error') > 1 || (err.code === 'EIO' && stream.isTTY)) return;
    if (err.code === 'EPIPE') process.exit(EXIT.closedPipe);
    throw err;
  });
}

export interface CliErrorOptions {
  /**
   * The command already printed its result for this failure on stdout (a `--json` object with
   * `error` or `problems`): handleError adds no second JSON document.
   */
  resultPrinted?: boolean;
}

/** An error meant for the user: printed as is (no stack), with its exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly resultPrinted: boolean;
  constructor(message: string, exitCode: number = EXIT.failure, options: CliErrorOptions = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.resultPrinted = options.resultPrinted === true;
  }
}

/** True when the command line asks for --json (before any `--`). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).slice(2).includes('--json');
}

/**
 * Prints the failure and exits. The message always goes to stderr; with --json, stdout also gets
 * one JSON document, so a script reading stdout can always parse it:
 * {"ok":false,"error":{"message":"…","exitCode":2}}.
 */
export function handleError(err: unknown, argv: readonly string[] = process.argv): never {
  const json = wantsJson(argv);
  const fail = (message: string, exitCode: number, printed = false): never => {
    if (json && !printed) process.stdout.write(`${JSON.stringify({ ok: false, error: { message, exitCode } })}\n`);
    process.exit(exitCode);
  };
  if (err instanceof CliError) {
    process.stderr.write(`wxbot: ${err.message}\n`);
    return fail(err.message, err.exitCode, err.resultPrinted);
  }
  const e = err as { code?: string; message?: string; stack?: string; exitCode?: number };
  // A setting that cannot be used (config/errors.ts): a usage error, its message names the setting.
  if (e?.code === 'CONFIG_INVALID') {
    process.stderr.write(`wxbot: ${e.message}\n`);
    return fail(e.message ?? '', EXIT.usage);
  }
  // Commander has already printed its message (or the help/version text) on stderr (stdout).
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) {
    if (e.exitCode === 0) process.exit(EXIT.ok);
    return fail((e.message ?? '').replace(/^error: /, ''), EXIT.usage);
  }
  process.stderr.write(`wxbot: ${e?.message ?? String(err)}\n`);
  if (process.env.WXBOT_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  return fail(e?.message ?? String(err), EXIT.failure);
}
