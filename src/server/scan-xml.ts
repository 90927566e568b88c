/**
 * A fast path for the XML WeChat actually sends: `<xml>` with flat children, each one CDATA section
 * or plain text. It gives up (undefined) on anything else (nesting, attributes, entities, comments,
 * declarations, repeats), and the caller falls back to the full parser, which stays the reference.
 * General-purpose XML parsing costs more than the rest of a request together; this keeps the hot
 * path to a few indexOf calls.
 */
import { NUMERIC } from '../protocol/parse.js';
// Called through this module's own constant: inlined for strings of every representation (see utf8.ts).
const codeAt = String.prototype.charCodeAt;

const CDATA_OPEN = '<![CDATA[';

// Fields WeChat sends flat (protocol.md §4). A known name is taken as this constant string rather
// than sliced from the body: a sliced key has to be looked up in V8's string table on every store.
const KNOWN = [
  'ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId', 'MsgID', 'MsgDataId', 'Idx',
  'PicUrl', 'MediaId', 'Format', 'Recognition', 'MediaId16K', 'ThumbMediaId', 'Location_X', 'Location_Y', 'Scale',
  'Label', 'Title', 'Description', 'Url', 'Event', 'EventKey', 'Ticket', 'Latitude', 'Longitude', 'Precision',
  'MenuId', 'Status', 'Encrypt', 'TotalCount', 'FilterCount', 'SentCount', 'ErrorCount',
] as const;
const BY_LENGTH: (readonly number[])[] = [];
for (let i = 0; i < KNOWN.length; i++) ((BY_LENGTH[KNOWN[i]!.length] ??= []) as number[]).push(i);
const KNOWN_NUMERIC = KNOWN.map((n) => NUMERIC.has(n));
const I_TO = KNOWN.indexOf('ToUserName');
const I_FROM = KNOWN.indexOf('FromUserName');
const I_TIME = KNOWN.indexOf('CreateTime');
const I_TYPE = KNOWN.indexOf('MsgType');
const I_EVENT = KNOWN.indexOf('Event');
const REQUIRED = (1 << I_TO) | (1 << I_FROM) | (1 << I_TIME) | (1 << I_TYPE);

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(codeAt.call(s, i))) i++;
  return i;
}

// Letters first (so no `__proto__`), then letters, digits and underscore (Location_X, MediaId16K).
function nameEnd(s: string, i: number): number {
  const first = codeAt.call(s, i);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return i;
  let j = i + 1;
  for (; j < s.length; j++) {
    const c = codeAt.call(s, j);
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
  let i = codeAt.call(v, 0) === 45 /* - */ ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = codeAt.call(v, i);
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
  let seen = 0;
  let seenHigh = 0;
  for (;;) {
    i = skipSpace(xml, i);
    if (codeAt.call(xml, i) !== 60 /* < */) return undefined;
    if (xml.startsWith('</xml>', i)) {
      if (skipSpace(xml, i + 6) !== xml.length) return undefined;
      if (typed && ((seen & REQUIRED) !== REQUIRED || (out.MsgType === 'event' && (seen & (1 << I_EVENT)) === 0))) return undefined;
      return out;
    }
    const end = nameEnd(xml, i + 1);
    if (end === i + 1 || codeAt.call(xml, end) !== 62 /* > */) return undefined;
    const k = knownAt(xml, i + 1, end);
    let tag: string;
    if (k >= 0) {
      tag = KNOWN[k]!;
      // Seen before: a repeat is not flat.
      if (k < 30 ? seen & (1 << k) : seenHigh & (1 << (k - 30))) return undefined;
      if (k < 30) seen |= 1 << k;
      else seenHigh |= 1 << (k - 30);
    } else {
      tag = xml.slice(i + 1, end);
      // Names of Object.prototype members (toString, valueOf, hasOwnProperty…): the full parser renames
      // some of them (`__toString`), so they go there and both paths give the same message.
      if (tag === 'prototype' || tag in Object.prototype || Object.hasOwn(out, tag)) return undefined;
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
    if (codeAt.call(xml, i) !== 60 || codeAt.call(xml, i + 1) !== 47 || !xml.startsWith(tag, i + 2) || codeAt.call(xml, i + 2 + tag.length) !== 62) {
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
