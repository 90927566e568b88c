// Why a module constant: docs/internals/performance.md#charcodeat-through-a-module-constant
const codeAt = String.prototype.charCodeAt;

/**
 * JSON.stringify(s) for a string, without the call into the serializer when nothing needs
 * escaping (no quote, backslash, control character or surrogate): the common case for the short
 * texts written on the request path (the request log, dedupe outcomes).
 */
export function jsonQuote(s: string): string {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = codeAt.call(s, i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}
