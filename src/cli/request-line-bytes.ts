// biome-ignore-all lint/suspicious/noAssignInExpressions: this fast path is being removed (issue 19); not worth restyling first
import { writeUtf8Range } from '../protocol/utf8.js';
import type { RequestLog } from '../server/types.js';
import {
  clockPrefix,
  messagePreview,
  method4,
  mode6,
  msText,
  PREVIEW,
  replyPreview,
  unusualSpace,
} from './request-log.js';

// This module's own constant, so the compiler inlines `codeAt.call` (see utf8.ts).
const codeAt = String.prototype.charCodeAt;

/**
 * The uncoloured request line of formatPretty, encoded straight into the log's bytes: no part
 * strings, no quoted or masked copies, no parts list. It covers the lines a server writes all day
 * (a message, its reply or `success`, a rejection, a URL check) and gives up (-1) on anything else:
 * a preview to collapse or escape, a lone surrogate, a field of an unexpected type. formatPretty
 * writes those, and stays the reference (property-tested byte for byte).
 */

const ARROW = [0x20, 0xe2, 0x86, 0x92, 0x20]; // " → "
const ELLIPSIS = [0xe2, 0x80, 0xa6]; // "…"
const RETRY = ascii(' [retry: answered from first delivery]');
const LATE = ascii(' [deadline: success sent, reply goes late]');
const VERIFY = ascii('URL verification');
const SUCCESS = ascii('success');
const EVENT = ascii('event:');

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function put(buf: Uint8Array, at: number, bytes: readonly number[]): number {
  for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i]!;
  return at + bytes.length;
}

/**
 * Units [start, end) of `s` as UTF-8 at `at`: the position after them, or -1 for a lone surrogate
 * (including half of a pair the range cuts), which formatPretty's encoder would replace.
 */
function range(buf: Uint8Array, s: string, start: number, end: number, at: number): number {
  const n = writeUtf8Range(buf, s, start, end, at);
  return n < 0 ? -1 : at + n;
}

const text = (buf: Uint8Array, s: string, at: number) => range(buf, s, 0, s.length, at);

/**
 * jsonQuote(preview(s)) in one pass (checking first and encoding with writeUtf8Range after measured
 * 410 → 550 ns a line), for a text that needs neither collapsing (alreadyOneLine's
 * rule: no control character, no unusual space, no space at an end or next to another) nor
 * escaping (no quote, no backslash, no lone surrogate); -1 for any other.
 */
function quotedPreview(buf: Uint8Array, s: string, at: number): number {
  const len = s.length;
  const end = len > PREVIEW ? PREVIEW - 1 : len;
  let j = at;
  buf[j++] = 34;
  for (let i = 0; i < len; i++) {
    let c = codeAt.call(s, i);
    if (c < 0x80) {
      if (c < 32 || c === 34 || c === 92) return -1;
      if (c === 32 && (i === 0 || i === len - 1 || codeAt.call(s, i + 1) === 32)) return -1;
      if (i < end) buf[j++] = c;
    } else if (c < 0x800) {
      if (c >= 0xa0 && unusualSpace(c)) return -1;
      if (i < end) {
        buf[j++] = 0xc0 | (c >> 6);
        buf[j++] = 0x80 | (c & 0x3f);
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = codeAt.call(s, i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      // A pair the cut would halve leaves a lone surrogate, which JSON.stringify escapes.
      if (i + 1 === end) return -1;
      if (i < end) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[j++] = 0xf0 | (c >> 18);
        buf[j++] = 0x80 | ((c >> 12) & 0x3f);
        buf[j++] = 0x80 | ((c >> 6) & 0x3f);
        buf[j++] = 0x80 | (c & 0x3f);
      }
      i++;
    } else {
      if (unusualSpace(c)) return -1;
      if (i < end) {
        buf[j++] = 0xe0 | (c >> 12);
        buf[j++] = 0x80 | ((c >> 6) & 0x3f);
        buf[j++] = 0x80 | (c & 0x3f);
      }
    }
  }
  if (end < len) j = put(buf, j, ELLIPSIS);
  buf[j++] = 34;
  return j;
}

/**
 * Bytes the line of `r` can take at most, or -1 when it is not one writeRequestLine writes (a
 * field is not a string where formatPretty would convert it): the caller then formats it the general way.
 */
export function requestLineRoom(r: RequestLog): number {
  if (
    !Number.isSafeInteger(r.time) ||
    typeof r.status !== 'number' ||
    typeof r.method !== 'string' ||
    typeof r.mode !== 'string'
  )
    return -1;
  if (r.reason !== undefined && typeof r.reason !== 'string') return -1;
  // The retry window's tags are written by formatPretty.
  if (r.slow !== undefined) return -1;
  // Previews are at most PREVIEW units once cut; everything else is counted as it is.
  let n = r.method.length + r.mode.length + (r.reason?.length ?? 0);
  const m = r.message;
  if (m) {
    const event = (m as { Event?: unknown }).Event;
    if (typeof m.MsgType !== 'string' || typeof m.FromUserName !== 'string') return -1;
    if (m.MsgType === 'event' && event !== undefined && typeof event !== 'string') return -1;
    n +=
      m.MsgType.length + (typeof event === 'string' ? event.length : 0) + Math.min(m.FromUserName.length, 9) + PREVIEW;
    if (r.reply) {
      if (typeof r.reply.MsgType !== 'string') return -1;
      n += r.reply.MsgType.length + PREVIEW;
    }
  }
  return 3 * n + 256;
}

/**
 * Writes the line of `r` (without its newline) at `at`, as formatPretty with colour off would
 * give it; returns the byte count, or -1 to have it formatted the general way. `buf` must have
 * requestLineRoom(r) bytes from `at`.
 */
export function writeRequestLine(r: RequestLog, buf: Uint8Array, at0: number): number {
  let at = at0;
  const second = Math.floor(r.time / 1000);
  const milli = r.time - second * 1000;
  at = text(buf, clockPrefix(second), at);
  buf[at++] = 48 + Math.floor(milli / 100);
  buf[at++] = 48 + (Math.floor(milli / 10) % 10);
  buf[at++] = 48 + (milli % 10);
  buf[at++] = 32;
  if ((at = text(buf, method4(r.method), at)) < 0) return -1;
  buf[at++] = 32;
  at = text(buf, r.status === 200 ? '200' : String(r.status), at);
  buf[at++] = 32;
  if ((at = text(buf, mode6(r.mode), at)) < 0) return -1;
  buf[at++] = 32;
  const m = r.message;
  // As requestParts decides: a rejection or the URL check says so instead of the message.
  if (r.reason || r.verify || !m) {
    if (r.reason) {
      if ((at = text(buf, r.reason, at)) < 0) return -1;
      buf[at++] = 32;
    } else if (r.verify) {
      at = put(buf, at, VERIFY);
      buf[at++] = 32;
    }
    return text(buf, msText(r.latencyMs), at) - at0;
  }
  const from = m.FromUserName;
  at = from.length <= 8 ? text(buf, from, at) : range(buf, from, 0, 4, at);
  if (at < 0) return -1;
  if (from.length > 8) {
    at = put(buf, at, ELLIPSIS);
    if ((at = range(buf, from, from.length - 4, from.length, at)) < 0) return -1;
  }
  buf[at++] = 32;
  if (m.MsgType === 'event') {
    const event = (m as { Event?: unknown }).Event;
    at = put(buf, at, EVENT);
    if (event !== undefined && (at = text(buf, event as string, at)) < 0) return -1;
  } else if ((at = text(buf, m.MsgType, at)) < 0) return -1;
  const what = messagePreview(m);
  if (what) {
    buf[at++] = 32;
    if ((at = quotedPreview(buf, what, at)) < 0) return -1;
  }
  at = put(buf, at, ARROW);
  if (r.reply) {
    if ((at = text(buf, r.reply.MsgType, at)) < 0) return -1;
    buf[at++] = 32;
    const said = replyPreview(r.reply);
    if (typeof said !== 'string' || (at = quotedPreview(buf, said, at)) < 0) return -1;
  } else at = put(buf, at, SUCCESS);
  buf[at++] = 32;
  at = text(buf, msText(r.latencyMs), at);
  if (r.dedupe) at = put(buf, at, RETRY);
  if (r.late) at = put(buf, at, LATE);
  return at - at0;
}
