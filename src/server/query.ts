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

const KNOWN = new Set(['signature', 'timestamp', 'nonce', 'echostr', 'openid', 'encrypt_type', 'msg_signature']);

/**
 * Percent-decodes without turning `+` into a space (URLSearchParams would): a WeCom-style echostr
 * is base64, and a literal `+` in it must survive (protocol.md §0). A repeated known parameter or a
 * malformed percent-escape in one is an HttpRejection (400); unknown parameters are ignored.
 */
export function parseQuery(search: string): PushQuery {
  const out: Record<string, string> = {};
  if (!search) return out;
  for (const pair of search.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    if (!KNOWN.has(rawKey)) continue;
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    let value: string;
    try {
      value = raw.includes('%') ? decodeURIComponent(raw) : raw;
    } catch {
      throw new HttpRejection(400, `malformed query parameter ${rawKey}`);
    }
    // WeChat never repeats one; frameworks and proxies disagree on whether the first or the last
    // counts, so a repeat is refused rather than guessed (no smuggled value gets read by anyone).
    if (rawKey in out) throw new HttpRejection(400, `repeated query parameter ${rawKey}`);
    out[rawKey] = value;
  }
  return out;
}

/** Splits `req.url` into path and query string without building a URL object. */
export function splitUrl(url: string): [path: string, search: string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}
