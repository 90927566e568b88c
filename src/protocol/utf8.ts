/**
 * UTF-8 for short strings on the request path, in plain JavaScript: for the few dozen characters
 * of a reply or a store value, a loop here costs less than a call into Buffer's encoder (which also
 * flattens a concatenated string first). Both give up on a lone surrogate, which UTF-8 cannot carry
 * (Buffer would write U+FFFD in its place and the text would not read back the same).
 */

/**
 * Called as `codeAt.call(s, i)` rather than `s.charCodeAt(i)`: strings reach these loops in many
 * representations (flat, sliced, concatenated, one- or two-byte), each with a map of its own, and a
 * `s.charCodeAt` site that has seen more than four goes megamorphic: every character then pays a
 * generic lookup and call (measured: three times slower over a mix of request strings). The
 * builtin, bound to a module constant, is inlined whatever the string's representation. Each
 * module declares its own: an imported binding is not folded, and the call is then not inlined.
 */
const codeAt = String.prototype.charCodeAt;

/** The UTF-8 length of `s`, or -1 if it holds a lone surrogate. */
export function utf8Length(s: string): number {
  const len = s.length;
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = codeAt.call(s, i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = codeAt.call(s, i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      n += 2; // four bytes for the two units
      i++;
    } else n += 2;
  }
  return n;
}

/**
 * Writes `s` as UTF-8 into `buf` at `at` and returns the number of bytes written, or -1 if `s`
 * holds a lone surrogate (bytes up to it may have been written). The room must be there:
 * utf8Length(s), or 3 bytes per UTF-16 unit.
 */
export function writeUtf8(buf: Uint8Array, s: string, at: number): number {
  return writeUtf8Range(buf, s, 0, s.length, at);
}

/**
 * writeUtf8 of the units [start, end) of `s`: -1 also when the range cuts a surrogate pair in
 * two, as the slice would then hold a lone half.
 */
export function writeUtf8Range(buf: Uint8Array, s: string, start: number, end: number, at: number): number {
  let j = at;
  for (let i = start; i < end; i++) {
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
