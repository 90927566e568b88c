/** Shows enough of a secret to recognise it and never enough to use it: `ab…yz` (or `***` when short). */
export function maskSecret(s: string | undefined): string {
  if (!s) return '(none)';
  return s.length < 12 ? '***' : `${s.slice(0, 2)}…${s.slice(-2)}`;
}

/** OpenIDs are personal data: keep the start and the end for correlation. */
export function maskOpenId(s: string): string {
  return s.length <= 8 ? s : `${s.slice(0, 4)}…${s.slice(-4)}`;
}

/** What a configured secret is replaced with, wherever it appears in an output. */
export const REDACTED = '[redacted]';

/** Shorter values are not masked: blanking "ab" out of every message would destroy the record. */
const MIN_SECRET = 3;

// Names that hold credentials by convention (WECHAT_TOKEN, OPENAI_API_KEY, NGROK_AUTHTOKEN, TULING_SECRET, …).
const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL/i;

// The secrets wxbot itself reads: masked at any length (a Token may have as few as 3 characters).
const KNOWN_SECRETS = new Set([
  'WECHAT_TOKEN',
  'WECHAT_AES_KEY',
  'WECHAT_ENCODING_AES_KEY',
  'WECHAT_APP_SECRET',
  'TULING_KEY',
  'TULING_API_KEY',
  'TULING_SECRET',
  'OPENAI_API_KEY',
  'NGROK_AUTHTOKEN',
]);

// A name that merely looks like a secret's needs a value this long: OPENAI_MAX_TOKENS=500 is not one.
const MIN_GUESSED_SECRET = 8;

/**
 * Every credential-looking value of the environment (and .env): outputs mask all of them, not only
 * the ones wxbot knows about, because a bot module may read any of them and echo it into a reply.
 * The settings wxbot reads as secrets count at any length; other names only from 8 characters.
 * The password of REDIS_URL counts too.
 */
export function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!v) continue;
    if (KNOWN_SECRETS.has(k) || (v.length >= MIN_GUESSED_SECRET && SECRET_NAME.test(k))) out.push(v);
  }
  const redis = redisPassword(env.REDIS_URL);
  if (redis) out.push(redis);
  return out;
}

/** The password of a Redis URL (decoded), if it has one and parses. */
export function redisPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one masking rule of every output (request log, JSON, error messages, history): each
 * configured secret is replaced by REDACTED wherever it appears, including inside message content.
 * A secret is also looked for as JSON writes it (a quote or backslash in a Redis password).
 * Built once per configuration; `test` costs a length comparison for strings shorter than every
 * secret, which most message fields are.
 */
export class SecretMask {
  readonly #list: string[];
  readonly #min: number;

  constructor(secrets: Iterable<string | undefined>) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_SECRET) continue;
      all.add(s);
      const quoted = JSON.stringify(s).slice(1, -1);
      if (quoted !== s) all.add(quoted);
    }
    // Longest first: a secret that contains another is replaced whole.
    this.#list = [...all].sort((a, b) => b.length - a.length);
    this.#min = this.#list.length ? this.#list[this.#list.length - 1]!.length : Number.POSITIVE_INFINITY;
  }

  /** No secret configured: every call returns its input. */
  get empty(): boolean {
    return this.#list.length === 0;
  }

  /** True when `s` contains a configured secret. */
  test(s: string): boolean {
    if (s.length < this.#min) return false;
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (s.includes(list[i]!)) return true;
    return false;
  }

  /** `s` with every configured secret replaced by REDACTED (`s` itself when it has none). */
  mask(s: string): string {
    if (!this.test(s)) return s;
    let out = s;
    for (const secret of this.#list) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** True when any string inside `v` (objects and arrays walked) contains a secret. */
  testDeep(v: unknown): boolean {
    if (typeof v === 'string') return this.test(v);
    if (typeof v !== 'object' || v === null) return false;
    if (Array.isArray(v)) {
      for (const x of v) if (this.testDeep(x)) return true;
      return false;
    }
    for (const k in v) if (this.testDeep((v as Record<string, unknown>)[k])) return true;
    return false;
  }

  /** A copy of `v` with every string masked; `v` itself when nothing in it needs masking. */
  maskDeep<T>(v: T): T {
    if (!this.testDeep(v)) return v;
    return this.#copy(v) as T;
  }

  #copy(v: unknown): unknown {
    if (typeof v === 'string') return this.mask(v);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map((x) => this.#copy(x));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.#copy(x);
    return out;
  }
}
