import type { HistoryInput } from './entry.js';

export const REDACTED = '[redacted]';

// Query parameters WeChat never sends but a proxy or a hand-made request might: never store their values.
const SECRET_PARAM = /token|secret|key|password|passwd|authorization/i;
// Signatures are one-way hashes and nonce/timestamp are public: they stay (replay needs to show them).
const SAFE_PARAMS = new Set(['signature', 'msg_signature', 'timestamp', 'nonce', 'openid', 'encrypt_type', 'echostr']);

/** Cap one stored field: history is for reading and replaying messages, not for archiving uploads. */
export const FIELD_LIMIT = 64 * 1024;

function scrub(s: string, secrets: readonly string[]): { value: string; hit: boolean } {
  let value = s;
  let hit = false;
  for (const secret of secrets) {
    if (value.includes(secret)) {
      value = value.split(secret).join(REDACTED);
      hit = true;
    }
  }
  return { value, hit };
}

// A recorder passes the same array for every entry: sort and dedupe it once.
const lists = new WeakMap<readonly (string | undefined)[], string[]>();
function secretList(secrets: readonly (string | undefined)[]): string[] {
  let list = lists.get(secrets);
  if (!list) {
    list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 3))].sort(
      (a, b) => b.length - a.length,
    );
    // Only a frozen array is known not to change between calls.
    if (Object.isFrozen(secrets)) lists.set(secrets, list);
  }
  return list;
}

function deepClean(v: unknown, clean: (s: string) => string): unknown {
  if (typeof v === 'string') return clean(v);
  if (Array.isArray(v)) return v.map((x) => deepClean(x, clean));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepClean(x, clean);
    return out;
  }
  return v;
}

/**
 * Removes the configured secrets (Token, EncodingAESKey, AppSecret, provider keys) from every
 * string of an entry before it touches the disk, and caps field sizes. A bot that echoes its own
 * token, or a query carrying an access_token, must not leave it in `.wxbot/`.
 */
export function redactEntry(input: HistoryInput, secrets: readonly (string | undefined)[]): HistoryInput {
  const list = secretList(secrets);
  let redacted = false;
  let truncated = false;
  const clean = (s: string): string => {
    const r = scrub(s, list);
    redacted ||= r.hit;
    if (r.value.length > FIELD_LIMIT) {
      truncated = true;
      return r.value.slice(0, FIELD_LIMIT);
    }
    return r.value;
  };
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.query)) {
    if (!SAFE_PARAMS.has(k) && SECRET_PARAM.test(k)) {
      query[k] = REDACTED;
      redacted = true;
    } else query[k] = clean(v);
  }
  const out: HistoryInput = {
    ...input,
    query,
    path: clean(input.path),
    body: clean(input.body),
    message: input.message === null ? null : (deepClean(input.message, clean) as HistoryInput['message']),
    reply: input.reply === null ? null : clean(input.reply),
  };
  for (const k of ['content', 'from', 'error', 'event', 'msgType'] as const) {
    const v = out[k];
    if (typeof v === 'string') out[k] = clean(v);
  }
  if (redacted) out.redacted = true;
  if (truncated) out.truncated = true;
  return out;
}
