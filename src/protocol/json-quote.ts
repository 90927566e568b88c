/**
 * JSON.stringify(s) for a string, without the call into the serializer when nothing needs
 * escaping (no quote, backslash, control character or surrogate): the common case for the short
 * texts written on the request path (the request log, dedupe outcomes).
 */
export function jsonQuote(s: string): string {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}
