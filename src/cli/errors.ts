/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, network: 3 } as const;

/** An error meant for the user: printed as is (no stack), with its exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function handleError(err: unknown): never {
  if (err instanceof CliError) {
    process.stderr.write(`wxbot: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  const e = err as { code?: string; message?: string; stack?: string; exitCode?: number };
  // Commander has already printed its message (or the help/version text).
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  process.stderr.write(`wxbot: ${e?.message ?? String(err)}\n`);
  if (process.env.WXBOT_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(EXIT.failure);
}
