/** Text limits of the two ends: Tuling's input length and WeChat's text reply size. */

/** §5.1: WeChat truncates or drops text replies beyond about 2048 bytes of UTF-8. */
export const WECHAT_TEXT_LIMIT_BYTES = 2048;

const ELLIPSIS = '…';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * At most `max` UTF-16 units, never splitting a surrogate pair. A Java server counts
 * `String.length()`, which is this; it is also at most `max` code points, so both readings of
 * "128 characters" (§7.2) are satisfied.
 */
export function truncateChars(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = isHighSurrogate(s.charCodeAt(max - 1)) ? max - 1 : max;
  return s.slice(0, end);
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, cut on a code point boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > maxBytes) break;
    bytes += n;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return s.slice(0, i);
}

/** Fits a reply into a WeChat text message; a cut reply ends with "…" so the user sees it was cut. */
export function fitWechatText(s: string, maxBytes = WECHAT_TEXT_LIMIT_BYTES): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  return truncateUtf8(s, maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8')).trimEnd() + ELLIPSIS;
}
