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

// Which known name is spelled at s[start, end), or -1.
function knownIndex(s: string, start: number, end: number): number {
  const n = end - start;
  for (let k = 0; k < KNOWN.length; k++) if (KNOWN[k]!.length === n && s.startsWith(KNOWN[k]!, start)) return k;
  return -1;
}

/**
 * The request path's query: every known field always present (undefined when absent), so every
 * request's query has one shape and the code reading it stays monomorphic.
 */
export class QueryFields implements PushQuery {
  signature: string | undefined = undefined;
  timestamp: string | undefined = undefined;
  nonce: string | undefined = undefined;
  echostr: string | undefined = undefined;
  openid: string | undefined = undefined;
  encrypt_type: string | undefined = undefined;
  msg_signature: string | undefined = undefined;

  /** The fields that were sent, as a plain object (what parseQuery returns). */
  present(): PushQuery {
    const out: Record<string, string> = {};
    for (const k of KNOWN) if (this[k] !== undefined) out[k] = this[k];
    return out;
  }
}

function setField(q: QueryFields, k: number, value: string): boolean {
  let prev: string | undefined;
  switch (k) {
    case 0:
      prev = q.signature;
      q.signature = value;
      break;
    case 1:
      prev = q.timestamp;
      q.timestamp = value;
      break;
    case 2:
      prev = q.nonce;
      q.nonce = value;
      break;
    case 3:
      prev = q.echostr;
      q.echostr = value;
      break;
    case 4:
      prev = q.openid;
      q.openid = value;
      break;
    case 5:
      prev = q.encrypt_type;
      q.encrypt_type = value;
      break;
    default:
      prev = q.msg_signature;
      q.msg_signature = value;
  }
  return prev === undefined;
}

/**
 * parseQuery for the request path: the same rules, into a QueryFields. `from` is where the query
 * starts in `s` (after the `?` of a request URL); `s.length` when there is none.
 */
export function readQuery(s: string, from: number): QueryFields {
  const out = new QueryFields();
  for (let i = from; i < s.length; ) {
    let amp = s.indexOf('&', i);
    if (amp < 0) amp = s.length;
    const eq = s.indexOf('=', i);
    const nameEnd = eq >= 0 && eq < amp ? eq : amp;
    const k = knownIndex(s, i, nameEnd);
    if (k >= 0) {
      const raw = nameEnd === amp ? '' : s.slice(nameEnd + 1, amp);
      let value: string;
      try {
        value = raw.includes('%') ? decodeURIComponent(raw) : raw;
      } catch {
        throw new HttpRejection(400, `malformed query parameter ${KNOWN[k]}`);
      }
      // WeChat never repeats one; frameworks and proxies disagree on whether the first or the last
      // counts, so a repeat is refused rather than guessed (no smuggled value gets read by anyone).
      if (!setField(out, k, value)) throw new HttpRejection(400, `repeated query parameter ${KNOWN[k]}`);
    }
    i = amp + 1;
  }
  return out;
}

/**
 * Percent-decodes without turning `+` into a space (URLSearchParams would): a WeCom-style echostr
 * is base64, and a literal `+` in it must survive (protocol.md §0). A repeated known parameter or a
 * malformed percent-escape in one is an HttpRejection (400); unknown parameters are ignored.
 * `from` is where the query starts in `s` (after the `?` of a request URL).
 */
export function parseQuery(s: string, from = 0): PushQuery {
  return readQuery(s, from).present();
}

/** The path part of `req.url` (before any `?`). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
