/**
 * UTF-8 text: written into a Buffer the caller sized, and read from files saved with a byte order
 * mark. A lone surrogate cannot be carried by UTF-8 (Buffer writes
 * U+FFFD in its place and the text would not read back the same): callers check well-formedness
 * first where it matters.
 */

type NativeWrite = (buf: Buffer, s: string, at: number) => number;
const native = (Buffer.prototype as unknown as { utf8Write?: unknown }).utf8Write;

/** Writes `s` at `at` and returns the bytes written: Buffer's encoder without `write()`'s argument parsing. */
export const writeUtf8Native: NativeWrite =
  typeof native === 'function'
    ? (buf, s, at) =>
        (buf as unknown as { utf8Write(s: string, o: number, n: number): number }).utf8Write(s, at, buf.length - at)
    : (buf, s, at) => buf.write(s, at, 'utf8');

/**
 * `text` without a leading byte order mark. Windows editors save "UTF-8 with BOM": read as it is, the
 * mark would become part of a .env file's first name, make JSON.parse refuse a menu file, and so on.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
