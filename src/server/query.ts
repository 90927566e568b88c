import { HttpRejection } from './rejection.js';

/** The query parameters WeChat signs or sends (protocol.md §1, §2.1); everything else is ignored. */
export interface PushQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  openid?: string;
  encrypt_type?: string;
  msg_signature?: string;
}

const KNOWN = ['signature', 'timestamp', 'nonce', 'echostr', 'openid', 'encrypt_type', 'msg_signature'] as const;

// The known name spelled at s[start, end), as the constant string (so the object gets internalized keys).
function knownName(s: string, start: number, end: number): (typeof KNOWN)[number] | undefined {
  const n = end - start;
  for (const k of KNOWN) if (k.length === n && s.startsWith(k, start)) return k;
  return undefined;
}

/**
 * Percent-decodes without turning `+` into a space (URLSearchParams would): a WeCom-style echostr
 * is base64, and a literal `+` in it must survive (protocol.md §0). A repeated known parameter or a
 * malformed percent-escape in one is an HttpRejection (400); unknown parameters are ignored.
 * `from` is where the query starts in `s` (after the `?` of a request URL).
 */
export function parseQuery(s: string, from = 0): PushQuery {
  const out: Record<string, string> = {};
  for (let i = from; i < s.length;) {
    let amp = s.indexOf('&', i);
    if (amp < 0) amp = s.length;
    const eq = s.indexOf('=', i);
    const nameEnd = eq >= 0 && eq < amp ? eq : amp;
    const key = knownName(s, i, nameEnd);
    if (key !== undefined) {
      const raw = nameEnd === amp ? '' : s.slice(nameEnd + 1, amp);
      let value: string;
      try {
        value = raw.includes('%') ? decodeURIComponent(raw) : raw;
      } catch {
        throw new HttpRejection(400, `malformed query parameter ${key}`);
      }
      // WeChat never repeats one; frameworks and proxies disagree on whether the first or the last
      // counts, so a repeat is refused rather than guessed (no smuggled value gets read by anyone).
      if (out[key] !== undefined) throw new HttpRejection(400, `repeated query parameter ${key}`);
      out[key] = value;
    }
    i = amp + 1;
  }
  return out;
}

/** The path part of `req.url` (before any `?`). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
