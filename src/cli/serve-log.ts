/**
 * `wxbot serve`'s request log on standard output: one line per request, pretty (coloured on a terminal)
 * or JSON lines, every configured secret masked, and the records that join it from outside a request.
 */
import type { Env } from '../config/env.js';
import { SecretMask } from '../config/mask.js';
import type { ChatFailure } from '../providers/budget.js';
import type { LogRecord } from '../server/types.js';
import { chalkFor } from './color.js';
import { maskLogRecord } from './log-mask.js';
import { formatJson, formatPretty } from './request-log.js';
import type { ServeSettings } from './serve-settings.js';

export interface RequestLogSink {
  /** Masks and writes one record. */
  onLog(r: LogRecord): void;
  /** Flushes what is buffered. */
  close(): Promise<void>;
}

export async function openRequestLog(
  s: ServeSettings,
  env: Env,
  secrets: readonly (string | undefined)[],
  stdout: NodeJS.WritableStream & { isTTY?: boolean },
  stderr: NodeJS.WritableStream,
): Promise<RequestLogSink> {
  const out = chalkFor(stdout, env);
  const { LineWriter } = await import('./line-writer.js');
  const log = LineWriter.forStdout(stdout, (err) =>
    stderr.write(`wxbot: request log stopped (requests are still answered): ${logFailure(err)}\n`),
  );
  // Every configured secret is masked in every record, whatever the format (see log-mask.ts).
  const mask = new SecretMask(secrets);
  const format = s.logFormat === 'json' ? formatJson : (r: LogRecord) => formatPretty(r, out);
  return {
    onLog: (r) => log.line(format(maskLogRecord(r, mask))),
    close: () => log.close(),
  };
}

/** Why standard output could not take the log, in words (EPIPE's own message says little). */
function logFailure(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'EPIPE') return 'standard output was closed by the program reading it (EPIPE)';
  return err.message;
}

/** Chat provider failures (the user got the fallback text): one error line saying why, no secrets. */
export function chatFailureLogger(onLog: (r: LogRecord) => void): (f: ChatFailure) => void {
  return (f) =>
    onLog({
      type: 'error',
      level: 'error',
      time: Date.now(),
      error: {
        name: 'ChatProvider',
        code: f.providerCode === undefined ? f.code : `${f.code} ${f.providerCode}`,
        message: `${f.reason} (${f.latencyMs} ms); answered the fallback text`,
      },
    });
}
