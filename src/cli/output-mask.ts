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

/**
 * The mask of this process: secrets from the command line, the environment and `.env` (when
 * readable). `shown` are values the command prints on purpose (`wxbot tunnel` shows the Token and
 * EncodingAESKey to paste into the WeChat console).
 */
export function processMask(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  shown: (string | undefined)[] = [],
): SecretMask {
  let dotenv: Record<string, string | undefined> = {};
  try {
    dotenv = readDotEnv(cwd);
  } catch {
    // the command reports an unusable .env itself
  }
  const all = [...secretsFromArgv(argv), ...secretsFromEnv(env), ...secretsFromEnv(dotenv)];
  return new SecretMask(all.filter((s) => !shown.includes(s)));
}

/** The Token and EncodingAESKey configured for this process (flags, then environment, then .env). */
export function consoleValues(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string[] {
  const flag = (name: string) => {
    const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes('=') ? argv[i]!.slice(name.length + 1) : argv[i + 1];
  };
  let dotenv: Record<string, string | undefined> = {};
  try {
    dotenv = readDotEnv(cwd);
  } catch {
    // reported by the command
  }
  const pick = (k: string) => env[k] || dotenv[k];
  return [
    flag('--token') ?? pick('WECHAT_TOKEN'),
    flag('--aes-key') ?? pick('WECHAT_AES_KEY') ?? pick('WECHAT_ENCODING_AES_KEY'),
  ].filter((s): s is string => typeof s === 'string');
}

type Write = NodeJS.WriteStream['write'];

/** Makes `stream.write` mask what it is given (strings and bytes); a no-op when there is no secret. */
export function maskStream(stream: NodeJS.WriteStream, mask: SecretMask): void {
  if (mask.empty) return;
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
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
