/**
 * A fast path for the XML WeChat actually sends: `<xml>` with flat children, each one CDATA section
 * or plain text. It gives up (undefined) on anything else (nesting, attributes, entities, comments,
 * declarations, repeats), and the caller falls back to the full parser, which stays the reference.
 * General-purpose XML parsing costs more than the rest of a request together; this keeps the hot
 * path to a few indexOf calls.
 */
import { NUMERIC } from '../protocol/parse.js';
const CDATA_OPEN = '<![CDATA[';

// Fields WeChat sends flat (protocol.md §4). A known name is taken as this constant string rather
// than sliced from the body: a sliced key has to be looked up in V8's string table on every store.
const KNOWN = [
  'ToUserName',
  'FromUserName',
  'CreateTime',
  'MsgType',
  'Content',
  'MsgId',
  'MsgID',
  'MsgDataId',
  'Idx',
  'PicUrl',
  'MediaId',
  'Format',
  'Recognition',
  'MediaId16K',
  'ThumbMediaId',
  'Location_X',
  'Location_Y',
  'Scale',
  'Label',
  'Title',
  'Description',
  'Url',
  'Event',
  'EventKey',
  'Ticket',
  'Latitude',
  'Longitude',
  'Precision',
  'MenuId',
  'Status',
  'Encrypt',
  'TotalCount',
  'FilterCount',
  'SentCount',
  'ErrorCount',
] as const;
const BY_LENGTH: (readonly number[])[] = [];
for (let i = 0; i < KNOWN.length; i++) {
  const length = KNOWN[i]!.length;
  BY_LENGTH[length] ??= [];
  (BY_LENGTH[length] as number[]).push(i);
}
const KNOWN_NUMERIC = KNOWN.map((n) => NUMERIC.has(n));
const I_TO = KNOWN.indexOf('ToUserName');
const I_FROM = KNOWN.indexOf('FromUserName');
const I_TIME = KNOWN.indexOf('CreateTime');
const I_TYPE = KNOWN.indexOf('MsgType');
const I_EVENT = KNOWN.indexOf('Event');
const REQUIRED = (1 << I_TO) | (1 << I_FROM) | (1 << I_TIME) | (1 << I_TYPE);

/** The known fields a document has shown so far (one bit each; more than 32 of them). */
class Seen {
  low = 0;
  high = 0;
  /** Marks field k; false if it was there already (a repeat is not flat). */
  add(k: number): boolean {
    if (k < 30) {
      if (this.low & (1 << k)) return false;
      this.low |= 1 << k;
    } else {
      if (this.high & (1 << (k - 30))) return false;
      this.high |= 1 << (k - 30);
    }
    return true;
  }
  /** The fields every message has are there, and Event for an event. */
  complete(out: Record<string, string | number>): boolean {
    return (this.low & REQUIRED) === REQUIRED && (out.MsgType !== 'event' || (this.low & (1 << I_EVENT)) !== 0);
  }
}

/**
 * Names of Object.prototype members (toString, valueOf, hasOwnProperty…), and repeats: the full parser
 * renames some of those (`__toString`), so they go there and both paths give the same message.
 */
function unusualName(tag: string, out: Record<string, string | number>): boolean {
  return tag === 'prototype' || tag in Object.prototype || Object.hasOwn(out, tag);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

// Letters first (so no `__proto__`), then letters, digits and underscore (Location_X, MediaId16K).
function nameEnd(s: string, i: number): number {
  const first = s.charCodeAt(i);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return i;
  let j = i + 1;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) break;
  }
  return j;
}

function knownAt(s: string, start: number, end: number): number {
  const list = BY_LENGTH[end - start];
  if (list) for (const k of list) if (s.startsWith(KNOWN[k]!, start)) return k;
  return -1;
}

// Digits with an optional sign and fraction: Number() reads these as the full path's toNumber() does
// (anything else, e.g. padded, exponent or hex, goes to the full path for its exact verdict).
function plainNumber(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > 32) return false;
  let i = v.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/**
 * Reads the flat children of `<xml>`. `typed`: numbers converted as the protocol layer does, and
 * undefined unless the four fields every message has are there (and Event for events), so the
 * result is the finished message; otherwise every value is the element's text.
 */
function scan(xml: string, typed: boolean): Record<string, string | number> | undefined {
  let i = skipSpace(xml, 0);
  if (!xml.startsWith('<xml>', i)) return undefined;
  i += 5;
  const out: Record<string, string | number> = {};
  const seen = new Seen();
  for (;;) {
    i = skipSpace(xml, i);
    if (xml.charCodeAt(i) !== 60 /* < */) return undefined;
    if (xml.startsWith('</xml>', i)) {
      if (skipSpace(xml, i + 6) !== xml.length) return undefined;
      if (typed && !seen.complete(out)) return undefined;
      return out;
    }
    const end = nameEnd(xml, i + 1);
    if (end === i + 1 || xml.charCodeAt(end) !== 62 /* > */) return undefined;
    const k = knownAt(xml, i + 1, end);
    let tag: string;
    if (k >= 0) {
      tag = KNOWN[k]!;
      if (!seen.add(k)) return undefined;
    } else {
      tag = xml.slice(i + 1, end);
      if (unusualName(tag, out)) return undefined;
    }
    i = end + 1;
    let value: string;
    if (xml.startsWith(CDATA_OPEN, i)) {
      const close = xml.indexOf(']]>', i + CDATA_OPEN.length);
      if (close < 0) return undefined;
      value = xml.slice(i + CDATA_OPEN.length, close);
      i = close + 3;
    } else {
      const lt = xml.indexOf('<', i);
      if (lt < 0) return undefined;
      value = xml.slice(i, lt);
      if (value.includes('&')) return undefined; // entities: the full parser decodes them
      i = lt;
    }
    // The element must close right here: anything else (a child, a second CDATA section) is not flat.
    if (
      xml.charCodeAt(i) !== 60 ||
      xml.charCodeAt(i + 1) !== 47 ||
      !xml.startsWith(tag, i + 2) ||
      xml.charCodeAt(i + 2 + tag.length) !== 62
    ) {
      return undefined;
    }
    // XML reads \r\n and a lone \r as \n; the full parser does that, so the rare value with a \r goes there.
    if (value.includes('\r')) return undefined;
    if (typed && (k >= 0 ? KNOWN_NUMERIC[k] : NUMERIC.has(tag))) {
      if (!plainNumber(value)) return undefined;
      out[tag] = Number(value);
    } else out[tag] = value;
    i += tag.length + 3;
  }
}

// ---- the same reading over UTF-8 bytes ------------------------------------------------------------

const KNOWN_BYTES = KNOWN.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
const CDATA_BYTES = Uint8Array.from(CDATA_OPEN, (c) => c.charCodeAt(0));
const XML_OPEN = Uint8Array.from('<xml>', (c) => c.charCodeAt(0));
const XML_CLOSE = Uint8Array.from('</xml>', (c) => c.charCodeAt(0));

function bytesAt(b: Uint8Array, i: number, end: number, want: Uint8Array): boolean {
  if (i + want.length > end) return false;
  for (let j = 0; j < want.length; j++) if (b[i + j] !== want[j]) return false;
  return true;
}

function knownBytesAt(b: Uint8Array, start: number, end: number): number {
  const list = BY_LENGTH[end - start];
  if (list) for (let n = 0; n < list.length; n++) if (bytesAt(b, start, end, KNOWN_BYTES[list[n]!]!)) return list[n]!;
  return -1;
}

/** plainNumber() over bytes; the value as Number() reads its text, or NaN when it is not one. */
function plainNumberBytes(b: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > 32) return NaN;
  let i = start;
  const negative = b[i] === 45; /* - */
  if (negative) i++;
  let digits = 0;
  let dot = false;
  let value = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      digits++;
      value = value * 10 + (c - 48);
    } else if (c === 46 && !dot) dot = true;
    else return NaN;
  }
  if (digits === 0) return NaN;
  // Up to 15 digits and no fraction the arithmetic is exact; anything else is read as text.
  if (!dot && digits <= 15) return negative ? -value : value;
  return Number(latin1(b, start, end));
}

const latin1 = (b: Buffer, start: number, end: number): string => b.toString('latin1', start, end);
const utf8 = (b: Buffer, start: number, end: number): string => b.toString('utf8', start, end);

/**
 * scanFlatMessage() of `buf.toString('utf8', start, end)`, read from the bytes: a message is found
 * with byte loops (typed-array loads) instead of loops over a string's characters, which pay for
 * the string's representation at every character, and only the values become strings. The
 * delimiters are ASCII, which UTF-8 never hides inside a character, so every value's bytes are
 * exactly what the decoded document holds between the same delimiters, and decoding them alone
 * gives the same text (U+FFFD for broken sequences included). Undefined whenever the string path
 * should decide, which it then does.
 */
export function scanFlatMessageBytes(
  b: Buffer,
  start = 0,
  end = b.length,
): Record<string, string | number> | undefined {
  let i = start;
  while (i < end && isSpace(b[i]!)) i++;
  if (!bytesAt(b, i, end, XML_OPEN)) return undefined;
  i += 5;
  const out: Record<string, string | number> = {};
  const seen = new Seen();
  for (;;) {
    while (i < end && isSpace(b[i]!)) i++;
    if (i >= end || b[i] !== 60 /* < */) return undefined;
    if (b[i + 1] === 47 /* / */) {
      if (!bytesAt(b, i, end, XML_CLOSE)) return undefined;
      i += 6;
      while (i < end && isSpace(b[i]!)) i++;
      if (i !== end) return undefined;
      if (!seen.complete(out)) return undefined;
      return out;
    }
    const nameStart = i + 1;
    let j = nameStart;
    const first = b[j]!;
    if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return undefined;
    for (j++; j < end; j++) {
      const c = b[j]!;
      if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) break;
    }
    if (j >= end || b[j] !== 62 /* > */) return undefined;
    const nameEnd = j;
    const k = knownBytesAt(b, nameStart, nameEnd);
    let tag: string;
    if (k >= 0) {
      tag = KNOWN[k]!;
      if (!seen.add(k)) return undefined;
    } else {
      tag = latin1(b, nameStart, nameEnd);
      if (unusualName(tag, out)) return undefined;
    }
    i = nameEnd + 1;
    let vStart: number;
    let vEnd: number;
    let high = false;
    if (bytesAt(b, i, end, CDATA_BYTES)) {
      vStart = i + 9;
      let p = vStart;
      for (; ; p++) {
        if (p + 2 >= end) return undefined;
        const c = b[p]!;
        if (c === 93 /* ] */ && b[p + 1] === 93 && b[p + 2] === 62) break;
        if (c >= 0x80) high = true;
        else if (c === 13) return undefined; // \r: the string path gives it to the full parser
      }
      vEnd = p;
      i = p + 3;
    } else {
      vStart = i;
      let p = i;
      for (; ; p++) {
        if (p >= end) return undefined;
        const c = b[p]!;
        if (c === 60) break;
        if (c >= 0x80) high = true;
        else if (c === 38 /* & */ || c === 13) return undefined;
      }
      vEnd = p;
      i = p;
    }
    // The element closes right here, with its own name.
    if (b[i] !== 60 || b[i + 1] !== 47) return undefined;
    const n = nameEnd - nameStart;
    if (i + 2 + n >= end || b[i + 2 + n] !== 62) return undefined;
    for (let q = 0; q < n; q++) if (b[i + 2 + q] !== b[nameStart + q]) return undefined;
    if (k >= 0 ? KNOWN_NUMERIC[k] : NUMERIC.has(tag)) {
      const v = high ? NaN : plainNumberBytes(b, vStart, vEnd);
      if (Number.isNaN(v)) return undefined; // not a plain number
      out[tag] = v;
    } else out[tag] = high ? utf8(b, vStart, vEnd) : latin1(b, vStart, vEnd);
    i += n + 3;
  }
}

/** The children of a flat `<xml>` document as strings, or undefined when the full parser is needed. */
export function scanFlatXml(xml: string): Record<string, string> | undefined {
  return scan(xml, false) as Record<string, string> | undefined;
}

/**
 * A flat message as the protocol layer's parseMessage() returns it (numbers typed, MsgId a string),
 * or undefined when the full parser is needed: not flat, or anything it would reject or convert
 * in a way this does not (a missing field, an unusual number).
 */
export function scanFlatMessage(xml: string): Record<string, string | number> | undefined {
  return scan(xml, true);
}
