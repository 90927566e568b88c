/**
 * A fast path for the XML WeChat actually sends: `<xml>` with flat children, each one CDATA section
 * or plain text. It returns undefined for anything else (nesting, attributes, entities, comments,
 * declarations, repeats), and the caller falls back to the full parser, which stays the reference.
 * General-purpose XML parsing costs more than the rest of a request together; this keeps the hot
 * path to a few indexOf calls.
 */
const CDATA_OPEN = '<![CDATA[';

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

/** The children of a flat `<xml>` document as strings, or undefined when the full parser is needed. */
export function scanFlatXml(xml: string): Record<string, string> | undefined {
  let i = skipSpace(xml, 0);
  if (!xml.startsWith('<xml>', i)) return undefined;
  i += 5;
  const out: Record<string, string> = {};
  for (;;) {
    i = skipSpace(xml, i);
    if (xml.charCodeAt(i) !== 60 /* < */) return undefined;
    if (xml.startsWith('</xml>', i)) return skipSpace(xml, i + 6) === xml.length ? out : undefined;
    const end = nameEnd(xml, i + 1);
    if (end === i + 1 || xml.charCodeAt(end) !== 62 /* > */) return undefined;
    const tag = xml.slice(i + 1, end);
    // Names of Object.prototype members (toString, valueOf, hasOwnProperty…): the full parser renames
    // some of them (`__toString`), so they go there and both paths give the same message.
    if (tag === 'prototype' || tag in Object.prototype || Object.hasOwn(out, tag)) return undefined;
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
    if (xml.charCodeAt(i) !== 60 || xml.charCodeAt(i + 1) !== 47 || !xml.startsWith(tag, i + 2) || xml.charCodeAt(i + 2 + tag.length) !== 62) {
      return undefined;
    }
    // XML reads \r\n and a lone \r as \n; the full parser does that, so the rare value with a \r goes there.
    if (value.includes('\r')) return undefined;
    out[tag] = value;
    i += tag.length + 3;
  }
}
