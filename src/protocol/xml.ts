import { createRequire } from 'node:module';
import { XmlError } from './errors.js';

// fast-xml-parser's single-file CommonJS build, not its ES build: the same code and version, but the ES
// build is some forty modules whose loading cost every command that reads XML about 45 ms at start
// (about 9 ms for the one file), measured with `node -e` importing each.
const { XMLParser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');

/** A parsed XML leaf is always a string; elements with children are nodes; repeats become arrays. */
export type XmlValue = string | XmlNode | XmlValue[];
export interface XmlNode {
  [tag: string]: XmlValue;
}

// Built once: constructing a parser per request is measurable on the hot path.
const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false, // numbers are converted per field: MsgId must stay a string (> 2^53)
  parseAttributeValue: false,
  trimValues: false, // CDATA text is the user's message, byte for byte
  processEntities: true,
  htmlEntities: false,
  commentPropName: false,
});

// DTDs are where XXE and entity expansion ("billion laughs") live; WeChat never sends one.
const FORBIDDEN = /<!DOCTYPE|<!ENTITY/i;
const FORBIDDEN_TAG = /<\s*(__proto__|constructor|prototype)\b/;

const CDATA_RE = /<!\[CDATA\[[\s\S]*?\]\]>/g;

// The cheap tests above also hit a user's text that merely mentions <!DOCTYPE; look again outside CDATA.
function rejectMarkup(xml: string): void {
  const markup = xml.replace(CDATA_RE, '');
  if (FORBIDDEN.test(markup)) throw new XmlError('XML_FORBIDDEN', 'DOCTYPE and ENTITY declarations are not accepted');
  if (FORBIDDEN_TAG.test(markup))
    throw new XmlError('XML_FORBIDDEN', 'reserved element name (__proto__, constructor, prototype)');
}

/** Parses a WeChat XML document and returns the children of its root element. */
export function parseXml(xml: string): XmlNode {
  if (typeof xml !== 'string' || xml.length === 0) throw new XmlError('XML_MALFORMED', 'body is empty');
  if (FORBIDDEN.test(xml) || FORBIDDEN_TAG.test(xml)) rejectMarkup(xml);
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (cause) {
    throw new XmlError('XML_MALFORMED', `malformed XML: ${(cause as Error).message}`, { cause });
  }
  const roots = Object.keys(doc as object);
  if (roots.length !== 1) throw new XmlError('XML_MALFORMED', 'expected exactly one root element');
  const root = (doc as Record<string, unknown>)[roots[0]!];
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new XmlError('XML_NOT_MESSAGE', 'root element has no child elements');
  }
  return clean(root as Record<string, unknown>);
}

// Drops the whitespace text between child elements and copies into fresh objects.
function clean(node: Record<string, unknown>): XmlNode {
  const out: XmlNode = {};
  for (const key of Object.keys(node)) {
    if (key === '#text') continue;
    out[key] = cleanValue(node[key]);
  }
  return out;
}

function cleanValue(v: unknown): XmlValue {
  if (Array.isArray(v)) return v.map(cleanValue);
  if (v !== null && typeof v === 'object') return clean(v as Record<string, unknown>);
  return v === undefined || v === null ? '' : String(v);
}

/** Reads a leaf as a string: the first occurrence if repeated, '' for a missing/empty one. */
export function text(node: XmlNode, tag: string): string | undefined {
  let v = Object.hasOwn(node, tag) ? node[tag] : undefined;
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' ? v : undefined;
}

export function child(node: XmlNode, tag: string): XmlNode | undefined {
  let v = Object.hasOwn(node, tag) ? node[tag] : undefined;
  if (Array.isArray(v)) v = v[0];
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

// ---- writing ----

// XML 1.0 allows \t \n \r and U+0020.. except surrogates (paired ones are fine) and U+FFFE/U+FFFF.
const ILLEGAL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripIllegalXmlChars(s: string): string {
  return s.replace(ILLEGAL, '');
}

/** Wraps text in CDATA; a `]]>` inside is split across two sections (§5.1). */
export function cdata(s: string): string {
  return `<![CDATA[${stripIllegalXmlChars(s).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** Text written without CDATA, as WeChat writes numbers too large for a double (MsgId). */
export class Bare {
  constructor(readonly value: string) {}
}

/** What the writer accepts: strings become CDATA, numbers and Bare bare, arrays repeated `<item>`s. */
export type XmlInput = string | number | Bare | XmlInputNode | XmlInput[] | undefined;
export interface XmlInputNode {
  [tag: string]: XmlInput;
}

function escapeText(s: string): string {
  return stripIllegalXmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TAG_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function writeValue(v: XmlInput): string {
  if (typeof v === 'string') return cdata(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (v instanceof Bare) return escapeText(v.value);
  if (Array.isArray(v)) return v.map((item) => `<item>${writeValue(item)}</item>`).join('');
  if (v === undefined) return '';
  return writeChildren(v);
}

function writeChildren(node: XmlInputNode): string {
  let out = '';
  for (const tag of Object.keys(node)) {
    const v = node[tag];
    if (v === undefined) continue;
    if (!TAG_RE.test(tag)) throw new XmlError('XML_FORBIDDEN', `invalid element name: ${JSON.stringify(tag)}`);
    out += `<${tag}>${writeValue(v)}</${tag}>`;
  }
  return out;
}

/** Serialises an object as `<xml>…</xml>`, element order as the object's key order. */
export function buildXml(node: XmlInputNode): string {
  return `<xml>${writeChildren(node)}</xml>`;
}
