import { REDACTED, SecretMask } from '../config/mask.js';
import type { HistoryInput } from './entry.js';

export { REDACTED } from '../config/mask.js';

// Query parameters WeChat never sends but a proxy or a hand-made request might: never store their values.
const SECRET_PARAM = /token|secret|key|password|passwd|authorization/i;
// Signatures are one-way hashes and nonce/timestamp are public: they stay (replay needs to show them).
const SAFE_PARAMS = new Set(['signature', 'msg_signature', 'timestamp', 'nonce', 'openid', 'encrypt_type', 'echostr']);

/**
 * Longest one stored string may be, in characters. History is for reading and replaying messages
 * (WeChat's own texts are at most 2048 characters), not for archiving what a sender chose to upload.
 */
export const FIELD_LIMIT = 16 * 1024;
/**
 * Characters all the strings of one entry may add up to (the body, the message's fields, the
 * summary, the reply): a message of many large fields is bounded too. With the last 200 kept in
 * memory (and each once more as its JSON line), the history holds at most a few tens of MB.
 */
export const ENTRY_LIMIT = 32 * 1024;

/** What a cut string ends with: how long it was, so the reader knows what is missing. */
export const truncationMarker = (length: number) => `…[truncated: ${length} characters in all]`;

// A recorder passes the same array for every entry: the mask is built once for it.
const masks = new WeakMap<readonly (string | undefined)[], SecretMask>();
function maskFor(secrets: readonly (string | undefined)[] | SecretMask): SecretMask {
  if (secrets instanceof SecretMask) return secrets;
  let mask = masks.get(secrets);
  if (!mask) {
    mask = new SecretMask(secrets);
    // Only a frozen array is known not to change between calls.
    if (Object.isFrozen(secrets)) masks.set(secrets, mask);
  }
  return mask;
}

/**
 * A copy of the first `n` characters that does not share memory with `s`: a plain slice of a
 * large string keeps the whole of it alive for as long as the slice is kept.
 */
function ownCopy(s: string, n: number): string {
  return Buffer.from(s.slice(0, n), 'utf16le').toString('utf16le');
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
 * Removes the configured secrets (Token, EncodingAESKey, AppSecret, provider keys, the Redis
 * password) from every string of an entry before it touches the disk, and bounds its size: each
 * string to FIELD_LIMIT characters and the entry to ENTRY_LIMIT, a cut string ending with a
 * marker. A bot that echoes its own token, or a query carrying an access_token, must not leave it
 * in `.wxbot/`; a sender of 900 KB messages must not decide how much memory the history holds.
 */
export function redactEntry(input: HistoryInput, secrets: readonly (string | undefined)[] | SecretMask): HistoryInput {
  const mask = maskFor(secrets);
  let redacted = false;
  let truncated = false;
  let left = ENTRY_LIMIT;
  const clean = (s: string): string => {
    const value = mask.mask(s);
    redacted ||= value !== s;
    const room = Math.min(FIELD_LIMIT, left);
    if (value.length <= room) {
      left -= value.length;
      return value;
    }
    truncated = true;
    left -= room;
    // A surrogate pair is not split in two.
    const end = room > 0 && /[\ud800-\udbff]/.test(value[room - 1]!) ? room - 1 : room;
    return ownCopy(value, end) + truncationMarker(value.length);
  };
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.query)) {
    if (!SAFE_PARAMS.has(k) && SECRET_PARAM.test(k)) {
      query[k] = REDACTED;
      redacted = true;
    } else query[k] = clean(v);
  }
  // The summary first (the list view shows it), then what replay needs: the message, the reply, the body.
  const content = typeof input.content === 'string' ? clean(input.content) : undefined;
  const message = input.message === null ? null : (deepClean(input.message, clean) as HistoryInput['message']);
  const reply = input.reply === null ? null : clean(input.reply);
  const out: HistoryInput = { ...input, query, path: clean(input.path), body: clean(input.body), message, reply };
  if (content !== undefined) out.content = content;
  if (input.customService)
    out.customService = deepClean(input.customService, clean) as NonNullable<HistoryInput['customService']>;
  for (const k of ['from', 'error', 'event', 'msgType'] as const) {
    const v = out[k];
    if (typeof v === 'string') out[k] = clean(v);
  }
  if (redacted) out.redacted = true;
  if (truncated) out.truncated = true;
  return out;
}
