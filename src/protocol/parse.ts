import { XmlError } from './errors.js';
import type { WechatMessage } from './messages.js';
import { parseXml, text, type XmlNode, type XmlValue } from './xml.js';

// Fields WeChat sends as numbers (§4). Everything else, MsgId/MsgID included, stays a string.
export const NUMERIC: ReadonlySet<string> = new Set([
  'CreateTime',
  'Idx',
  'Location_X',
  'Location_Y',
  'Scale',
  'Latitude',
  'Longitude',
  'Precision',
  'Count',
  'TotalCount',
  'FilterCount',
  'SentCount',
  'ErrorCount',
]);

// Top-level fields the message types promise as text. A nested element there (never sent by WeChat)
// would hand a bot an object where its type says string, so such a body is not a message. Unknown
// events may nest anything, so only the common fields and those of user messages are held to it.
const TEXT_FIELDS = ['ToUserName', 'FromUserName', 'MsgType', 'MsgId', 'MsgID', 'Event', 'EventKey', 'Ticket'];
const USER_TEXT_FIELDS = [
  'Content',
  'PicUrl',
  'MediaId',
  'Format',
  'Recognition',
  'ThumbMediaId',
  'Label',
  'Title',
  'Description',
  'Url',
  'MsgDataId',
];
const USER_TYPES = new Set(['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link']);

function toNumber(tag: string, s: string): number {
  const n = Number(s.trim());
  if (s.trim() === '' || !Number.isFinite(n)) throw new XmlError('XML_NOT_MESSAGE', `${tag} is not a number`);
  return n;
}

// Converts known numeric leaves, recursing into nested event structures; lists stay lists.
function typed(node: XmlNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const tag of Object.keys(node)) {
    const v = node[tag]!;
    if (typeof v === 'string') out[tag] = NUMERIC.has(tag) ? toNumber(tag, v) : v;
    else if (Array.isArray(v)) out[tag] = v.map((x) => (typeof x === 'object' && !Array.isArray(x) ? typed(x) : x));
    else out[tag] = typed(v);
  }
  return out;
}

// `<PicList><item>…</item></PicList>` holds one or many items; always hand back an array.
function items(v: unknown): unknown[] {
  if (v === undefined || v === '') return [];
  const item = (v as { item?: unknown }).item;
  if (item === undefined) return [];
  return Array.isArray(item) ? item : [item];
}

/** Turns the children of a parsed `<xml>` into a typed message. */
export function messageFromNode(node: XmlNode): WechatMessage {
  for (const tag of ['ToUserName', 'FromUserName', 'MsgType'] as const) {
    if (text(node, tag) === undefined) throw new XmlError('XML_NOT_MESSAGE', `missing ${tag}`);
  }
  if (text(node, 'CreateTime') === undefined) throw new XmlError('XML_NOT_MESSAGE', 'missing CreateTime');
  const msg = typed(node);
  for (const k of Object.keys(msg)) {
    // A repeated top-level leaf keeps its first value; WeChat never repeats one.
    const v = msg[k];
    if (Array.isArray(v) && k !== 'Articles') msg[k] = v[0];
  }
  const textFields = USER_TYPES.has(msg.MsgType as string) ? [...TEXT_FIELDS, ...USER_TEXT_FIELDS] : TEXT_FIELDS;
  for (const k of textFields) {
    if (msg[k] !== undefined && typeof msg[k] !== 'string') throw new XmlError('XML_NOT_MESSAGE', `${k} must be text`);
  }
  for (const k of NUMERIC) {
    if (msg[k] !== undefined && typeof msg[k] !== 'number')
      throw new XmlError('XML_NOT_MESSAGE', `${k} must be a number`);
  }
  const info = msg.SendPicsInfo as Record<string, unknown> | undefined;
  if (info && typeof info === 'object') info.PicList = items(info.PicList);
  if (msg.MsgType === 'event' && typeof msg.Event !== 'string')
    throw new XmlError('XML_NOT_MESSAGE', 'event without Event');
  return msg as unknown as WechatMessage;
}

/** Parses a plaintext message or event body. */
export function parseMessage(xml: string): WechatMessage {
  return messageFromNode(parseXml(xml));
}

/** The outer body of a compatible/safe-mode push: `Encrypt`, plus the plain fields in compatible mode. */
export interface EncryptedBody {
  ToUserName?: string;
  Encrypt: string;
  /** Compatible mode also carries the message in plaintext; absent in safe mode. */
  plain?: WechatMessage;
}

export function parseEncryptedBody(xml: string): EncryptedBody {
  const node = parseXml(xml);
  // Whitespace only is missing too (as the server's fast path and parseEnvelope read it).
  const encrypt = text(node, 'Encrypt')?.trim();
  if (!encrypt) throw new XmlError('XML_NOT_MESSAGE', 'missing Encrypt');
  const out: EncryptedBody = { Encrypt: encrypt };
  const to = text(node, 'ToUserName');
  if (to !== undefined) out.ToUserName = to;
  if (text(node, 'MsgType') !== undefined) {
    const rest: XmlNode = {};
    for (const k of Object.keys(node)) if (k !== 'Encrypt') rest[k] = node[k] as XmlValue;
    out.plain = messageFromNode(rest);
  }
  return out;
}
