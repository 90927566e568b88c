/**
 * UTF-8 for short strings on the request path, in plain JavaScript: for the few dozen characters
 * of a reply or a store value, a loop here costs less than a call into Buffer's encoder (which also
 * flattens a concatenated string first). Both give up on a lone surrogate, which UTF-8 cannot carry
 * (Buffer would write U+FFFD in its place and the text would not read back the same).
 */

// Why a module constant: docs/internals/performance.md#charcodeat-through-a-module-constant
const codeAt = String.prototype.charCodeAt;

/**
 * Writes `s` as UTF-8 into `buf` at `at` and returns the number of bytes written, or -1 if `s`
 * holds a lone surrogate (bytes up to it may have been written). The room must be there: 3 bytes
 * per UTF-16 unit, or the string's exact UTF-8 length.
 */
export function writeUtf8(buf: Uint8Array, s: string, at: number): number {
  const end = s.length;
  let j = at;
  for (let i = 0; i < end; i++) {
    let c = codeAt.call(s, i);
    if (c < 0x80) {
      buf[j++] = c;
    } else if (c < 0x800) {
      buf[j++] = 0xc0 | (c >> 6);
      buf[j++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < end ? codeAt.call(s, i + 1) : 0;
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
      buf[j++] = 0xf0 | (c >> 18);
      buf[j++] = 0x80 | ((c >> 12) & 0x3f);
      buf[j++] = 0x80 | ((c >> 6) & 0x3f);
      buf[j++] = 0x80 | (c & 0x3f);
    } else {
      buf[j++] = 0xe0 | (c >> 12);
      buf[j++] = 0x80 | ((c >> 6) & 0x3f);
      buf[j++] = 0x80 | (c & 0x3f);
    }
  }
  return j - at;
}

// Buffer#utf8Write is what Buffer#write calls after parsing its arguments (in every Node release);
// Buffer#write stands in where it is missing.
type NativeWrite = (buf: Buffer, s: string, at: number) => number;
const native = (Buffer.prototype as unknown as { utf8Write?: unknown }).utf8Write;

/** Buffer's own UTF-8 encoder without its argument parsing: for long strings, where it beats the loop above. */
export const writeUtf8Native: NativeWrite =
  typeof native === 'function'
    ? (buf, s, at) =>
        (buf as unknown as { utf8Write(s: string, o: number, n: number): number }).utf8Write(s, at, buf.length - at)
    : (buf, s, at) => buf.write(s, at, 'utf8');
