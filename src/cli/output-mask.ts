/**
 * Every byte the CLI writes to stdout and stderr passes the same mask as the request log and the
 * history: a provider that echoes its API key into an error body, an error message quoting a
 * Redis password, a `--json` result with the Token in a reply all come out with `[redacted]`.
 */
import { SecretMask, redisPassword, secretsFromEnv } from '../config/mask.js';
import { readDotEnv } from '../config/env.js';

// Flags whose value is a secret, and the one whose value may carry one (a Redis URL's password).
const SECRET_FLAGS = new Set(['--token', '--aes-key', '--app-secret', '--api-key', '--key', '--authtoken']);

/** The secrets a command line configures: secret flags' values (`--token X`, `--token=X`) and the Redis password. */
export function secretsFromArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
    if (value === undefined) continue;
    if (SECRET_FLAGS.has(flag)) out.push(value);
    else if (flag === '--redis') {
      const password = redisPassword(value);
      if (password) out.push(password);
    }
  }
  return out;
}

/** The mask of this process: secrets from the command line, the environment and `.env` (when readable). */
export function processMask(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): SecretMask {
  let dotenv: Record<string, string | undefined> = {};
  try {
    dotenv = readDotEnv(cwd);
  } catch {
    // the command reports an unusable .env itself
  }
  return new SecretMask([...secretsFromArgv(argv), ...secretsFromEnv(env), ...secretsFromEnv(dotenv)]);
}

type Write = NodeJS.WriteStream['write'];

const UNMASKED = Symbol('wxbot.unmaskedWrite');

/** Makes `stream.write` mask what it is given (strings and bytes); a no-op when there is no secret. */
export function maskStream(stream: NodeJS.WriteStream, mask: SecretMask): void {
  if (mask.empty) return;
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  (stream as { [UNMASKED]?: (text: string) => boolean })[UNMASKED] = write;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string') return write(mask.mask(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      const masked = mask.mask(text);
      return write(masked === text ? chunk : Buffer.from(masked), ...rest);
    }
    return write(chunk, ...rest);
  }) as Write;
}

/**
 * Writes `text` past the mask: only for a secret the user asked to see by name (`wxbot tunnel
 * --show-secrets`), so that one write shows it and every other line still hides it.
 */
export function writeUnmasked(stream: NodeJS.WritableStream, text: string): void {
  const raw = (stream as { [UNMASKED]?: (text: string) => boolean })[UNMASKED];
  if (raw) raw(text);
  else stream.write(text);
}
